using Scan.Core.Data;
using Scan.Core.Pipeline;
using Scan.Tests.Stages;
using TorchSharp;
using Xunit.Abstractions;

namespace Scan.Tests.Pipeline;

/// <summary>
/// How often a pipeline run reads each image from the dataset: the passes listed where ScanPipeline composes the
/// stages. A pass that comes back (the same model run over the same data twice) shows here as 64 more images.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class DatasetPassesTests(ITestOutputHelper output)
{
    /// <summary>The tiny golden configuration on 64 images. Without self-labelling, 5 × 64: the statistics, SimCLR's
    /// resident copy, the embedding for mining, the neighbour-agreement check's augmented sample (all 64 images when
    /// there are this few), and the clustering trainer's resident copy, which its feature cache and head evaluation
    /// read. Self-labelling adds its resident copy and the predictions after training. The clustering model is not
    /// predicted on its own: the head evaluation's predictions are its predictions (before they were, this was
    /// 6 × 64 and 8 × 64).</summary>
    [Theory]
    [InlineData(false, 5 * 64)]
    [InlineData(true, 7 * 64)]
    public async Task A_run_reads_each_image_once_per_listed_pass(bool selfLabeling, int expected)
    {
        var options = GoldenRunTests.TinyOptions();
        options.SelfLabelingEnabled = selfLabeling;
        var data = new CountingImages(new SyntheticImages(perClass: 16, classes: 4));
        using var result = await ScanPipeline.Create().WithOptions(options).Build().RunAsync(data);

        output.WriteLine($"self-labelling {selfLabeling}: {data.Read} images read in {data.Batches} batches");
        result.Stages.OfType<SelfLabelingStageReport>().Where(s => s.Skipped).Should().BeEmpty("a skipped stage would read less");
        data.Read.Should().Be(expected);
    }

    private sealed class CountingImages(IImageDataset inner) : IImageDataset
    {
        public int Read;
        public int Batches;
        public int Count => inner.Count;
        public int Channels => inner.Channels;
        public int Height => inner.Height;
        public int Width => inner.Width;
        public IReadOnlyList<int>? Labels => inner.Labels;
        public IReadOnlyList<string>? ClassNames => inner.ClassNames;

        public torch.Tensor GetBatch(ReadOnlySpan<int> indices)
        {
            Interlocked.Add(ref Read, indices.Length);
            Interlocked.Increment(ref Batches);
            return inner.GetBatch(indices);
        }
    }
}
