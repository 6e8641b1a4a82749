using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Mining;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Mining;

public class FeatureExtractorTests
{
    /// <summary>Ten 1x2x2 images whose pixels are (i*4 + p) / 40, so every image is known in closed form.</summary>
    private sealed class CountingDataset : IImageDataset
    {
        public int Count => 10;
        public int Channels => 1;
        public int Height => 2;
        public int Width => 2;
        public IReadOnlyList<int>? Labels => null;
        public IReadOnlyList<string>? ClassNames => null;

        public Tensor GetBatch(ReadOnlySpan<int> indices)
        {
            var pixels = new float[indices.Length * 4];
            for (int b = 0; b < indices.Length; b++)
                for (int p = 0; p < 4; p++)
                    pixels[b * 4 + p] = (indices[b] * 4 + p) / 40f;
            return tensor(pixels, new long[] { indices.Length, 1, 2, 2 });
        }
    }

    /// <summary>The evaluation recipe's kind of transform: (x - 0.5) / 0.25, no randomness.</summary>
    private sealed class Standardize : IAugmentation
    {
        public Tensor Apply(Tensor images, Generator generator) => (images - 0.5f) / 0.25f;
    }

    /// <summary>Adds noise drawn from the generator, to show the generator is seeded from the options.</summary>
    private sealed class Noise : IAugmentation
    {
        public Tensor Apply(Tensor images, Generator generator) => images + rand(images.shape, generator: generator);
    }

    private static Tensor Flatten(Tensor images) => images.flatten(1);

    [Fact]
    public void Every_image_is_embedded_in_order_across_a_partial_last_batch()
    {
        var batchSizes = new List<long>();

        using var features = FeatureExtractor.Embed(new CountingDataset(), images =>
        {
            batchSizes.Add(images.shape[0]);
            return Flatten(images);
        }, new FeatureExtractorOptions { BatchSize = 3 });

        batchSizes.Should().Equal(3, 3, 3, 1);
        features.shape.Should().Equal(10, 4);
        features.dtype.Should().Be(ScalarType.Float32);
        features.device_type.Should().Be(DeviceType.CPU);
        features.data<float>().ToArray().Should().Equal(Enumerable.Range(0, 40).Select(v => v / 40f));
    }

    [Fact]
    public void Preprocessing_is_applied_before_the_encoder()
    {
        using var features = FeatureExtractor.Embed(new CountingDataset(), Flatten,
            new FeatureExtractorOptions { BatchSize = 4, Preprocessing = new Standardize() });

        features.data<float>().ToArray().Should().Equal(Enumerable.Range(0, 40).Select(v => (v / 40f - 0.5f) / 0.25f),
            (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void A_random_preprocessing_is_reproducible_from_the_seed()
    {
        Tensor Run(ulong seed) => FeatureExtractor.Embed(new CountingDataset(), Flatten,
            new FeatureExtractorOptions { BatchSize = 4, Preprocessing = new Noise(), Seed = seed });

        using var first = Run(7);
        using var again = Run(7);
        using var other = Run(8);

        first.equal(again).all().item<bool>().Should().BeTrue();
        first.equal(other).all().item<bool>().Should().BeFalse();
    }

    [Fact]
    public void The_encoder_runs_without_gradient_tracking_and_float64_output_becomes_float32()
    {
        var gradEnabled = new List<bool>();
        using var weight = ones(4, 2, dtype: ScalarType.Float64).requires_grad_();

        using var features = FeatureExtractor.Embed(new CountingDataset(), images =>
        {
            gradEnabled.Add(is_grad_enabled());
            return Flatten(images).to(ScalarType.Float64).mm(weight);
        }, new FeatureExtractorOptions { BatchSize = 5 });

        gradEnabled.Should().Equal(false, false);
        is_grad_enabled().Should().BeTrue();
        features.dtype.Should().Be(ScalarType.Float32);
        features.requires_grad.Should().BeFalse();
        // Row 0: sum of 0, 1, 2, 3 over 40 = 0.15 in both columns.
        features[0].data<float>().ToArray().Should().Equal(new[] { 0.15f, 0.15f }, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void Progress_counts_images_and_no_tensor_is_left_alive()
    {
        var reports = new List<ImageProgress>();
        FeatureExtractor.Embed(new CountingDataset(), Flatten, new FeatureExtractorOptions { BatchSize = 4 }).Dispose();

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        FeatureExtractor.Embed(new CountingDataset(), Flatten, new FeatureExtractorOptions { BatchSize = 4 },
            new SynchronousProgress<ImageProgress>(reports.Add)).Dispose();

        reports.Should().Equal(new ImageProgress(4, 10), new ImageProgress(8, 10), new ImageProgress(10, 10));
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void An_encoder_output_that_is_not_one_row_per_image_is_rejected()
    {
        var wrongRows = () => FeatureExtractor.Embed(new CountingDataset(), images => images.flatten(), new FeatureExtractorOptions { BatchSize = 3 });
        var wrongWidth = () => FeatureExtractor.Embed(new CountingDataset(),
            images => images.shape[0] == 3 ? Flatten(images) : Flatten(images)[.., ..2], new FeatureExtractorOptions { BatchSize = 3 });

        wrongRows.Should().Throw<ArgumentException>().Where(e => e.ParamName == "encoder" && e.Message.Contains("got shape (12)"));
        wrongWidth.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "encoder" && e.Message.Contains("2 features per image for images 9..9") && e.Message.Contains("4 for the first"));
    }

    [Fact]
    public void A_batch_size_below_one_is_rejected()
    {
        var act = () => FeatureExtractor.Embed(new CountingDataset(), Flatten, new FeatureExtractorOptions { BatchSize = 0 });

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "options" && e.Message.Contains("FeatureExtractorOptions: BatchSize must be at least 1") && e.Message.Contains("Found 0."));
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        using var source = new CancellationTokenSource();
        int calls = 0;

        var act = () => FeatureExtractor.Embed(new CountingDataset(), images => { calls++; source.Cancel(); return Flatten(images); },
            new FeatureExtractorOptions { BatchSize = 3 }, cancellationToken: source.Token);

        act.Should().Throw<OperationCanceledException>();
        calls.Should().Be(1);
    }
}
