using Scan.Augment.Kernels;
using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Photometric;

/// <summary>The public photometric ops draw one magnitude per sample, inside their range.</summary>
public sealed class RandomMagnitudeTests
{
    [Fact]
    public void Brightness_scales_each_sample_by_its_own_factor_in_range()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.full(50, 3, 2, 2, 0.5f);
        using var generator = TestImages.Generator();

        var result = new Brightness(0.2, 0.9).Apply(images, generator);

        var factors = TestImages.Values(result.amax([1, 2, 3]) / 0.5f);
        factors.Should().OnlyContain(f => f >= 0.2f - 1e-6f && f <= 0.9f + 1e-6f);
        factors.Distinct().Count().Should().Be(50);
        TestImages.MaxAbsDifference(result.amax([1, 2, 3]), result.amin([1, 2, 3])).Should().Be(0f, "one factor per sample");
    }

    [Fact]
    public void Posterize_keeps_between_min_and_max_bits_per_sample()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(60, 1, 8, 8);
        using var generator = TestImages.Generator(3);

        var result = new Posterize(2, 4).Apply(images, generator);

        var levelsPerSample = new HashSet<int>();
        for (var i = 0; i < 60; i++)
        {
            var levels = TestImages.Values(result[i].mul(255).round()).Select(v => (int)v).ToArray();
            // With b bits kept, every level is a multiple of 2^(8 - b); the coarsest multiple tells b.
            var bits = new[] { 2, 3, 4 }.First(b => levels.All(l => l % (1 << (8 - b)) == 0));
            levelsPerSample.Add(bits);
        }

        levelsPerSample.Should().BeEquivalentTo([2, 3, 4]);
    }

    [Fact]
    public void Saturation_hue_and_grayscale_leave_one_channel_images_unchanged()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(8, 1, 5, 6);
        using var generator = TestImages.Generator();

        new Color(0.05, 0.95).Apply(images, generator).SameAs(images).Should().BeTrue();
        new Hue(-0.5, 0.5).Apply(images, generator).SameAs(images).Should().BeTrue();
        new RandomGrayscale(1.0).Apply(images, generator).SameAs(images).Should().BeTrue();
    }

    [Fact]
    public void RandomGrayscale_with_probability_one_gives_the_luma_in_all_three_channels()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(4, 3, 3, 5);
        using var generator = TestImages.Generator();

        var result = new RandomGrayscale(1.0).Apply(images, generator);

        var luma = images[.., 0] * 0.2989f + images[.., 1] * 0.587f + images[.., 2] * 0.114f;
        for (var c = 0; c < 3; c++)
            TestImages.MaxAbsDifference(result[.., c], luma).Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void Tensor_form_of_grayscale_gives_the_luma_too()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(4, 3, 3, 5);

        var result = ColorKernels.GrayscaleKeepChannels(images);

        var luma = images[.., 0] * 0.2989f + images[.., 1] * 0.587f + images[.., 2] * 0.114f;
        for (var c = 0; c < 3; c++)
            TestImages.MaxAbsDifference(result[.., c], luma).Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void ColorJitter_is_torchvisions_four_adjustments_in_a_random_order_per_sample()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(24, 3, 5, 4);
        using var generator = TestImages.Generator(17);
        using var replay = TestImages.Generator(17);

        var result = new ColorJitter(0.4, 0.4, 0.4, 0.1).Apply(images, generator);

        // Replay the documented draws: order keys (N, 4), then brightness, contrast, saturation and hue factors.
        var order = torch.rand([24, 4], ScalarType.Float64, generator: replay).argsort(1);
        var brightness = torch.rand(24, ScalarType.Float64, generator: replay) * 0.8 + 0.6;
        var contrast = torch.rand(24, ScalarType.Float64, generator: replay) * 0.8 + 0.6;
        var saturation = torch.rand(24, ScalarType.Float64, generator: replay) * 0.8 + 0.6;
        var hue = torch.rand(24, ScalarType.Float64, generator: replay) * 0.2 - 0.1;
        var orders = new HashSet<string>();
        for (var i = 0; i < 24; i++)
        {
            var image = images[i].unsqueeze(0);
            var sequence = new List<long>();
            for (var p = 0; p < 4; p++)
            {
                var adjustment = order[i, p].item<long>();
                sequence.Add(adjustment);
                Tensor Factor(Tensor f) => f[i].to_type(ScalarType.Float32).view(1, 1, 1, 1);
                image = adjustment switch
                {
                    0 => ColorKernels.Brightness(image, Factor(brightness)),
                    1 => ColorKernels.Contrast(image, Factor(contrast)),
                    2 => ColorKernels.Saturation(image, Factor(saturation)),
                    _ => ColorKernels.Hue(image, Factor(hue)),
                };
            }

            orders.Add(string.Join("", sequence));
            TestImages.MaxAbsDifference(result[i], image[0]).Should().BeLessThan(1e-6f, $"sample {i}");
        }

        orders.Count.Should().BeGreaterThan(8, "each sample draws its own order");
    }

    [Fact]
    public void ColorJitter_with_zero_strengths_is_the_identity()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(5, 3, 4, 4);
        using var generator = TestImages.Generator();

        new ColorJitter(0, 0, 0, 0).Apply(images, generator).SameAs(images).Should().BeTrue();
    }
}
