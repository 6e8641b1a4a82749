using Scan.Augment.Internal;
using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Geometric;

/// <summary>The CPU kernel for axis-aligned maps against libtorch's grid_sample on the same maps.</summary>
public sealed class SeparableResamplerTests
{
    [Theory]
    [InlineData(3, 28, 28, 28, 28)]
    [InlineData(1, 20, 28, 12, 9)]
    [InlineData(3, 9, 7, 30, 17)]
    public void Crop_resize_and_flip_match_grid_sample(int channels, int height, int width, int outHeight, int outWidth)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(64, channels, height, width, seed: 9);
        var chain = Chain(new RandomResizedCrop(outHeight, outWidth), new HorizontalFlip());
        using var generator = TestImages.Generator(6);
        var maps = chain.DrawTransforms(64, height, width, generator);

        foreach (var sampling in new[] { chain.Sampling, new AffineSampling(Interpolation.Bilinear, AffinePadding.Zeros) })
        {
            var kernel = AffineResampler.Resample(images, maps, outHeight, outWidth, sampling);
            var reference = AffineResampler.Resample(images, maps, outHeight, outWidth, sampling, allowCpuKernel: false);
            TestImages.MaxAbsDifference(kernel, reference).Should().BeLessThan(1e-5f, $"sampling {sampling}");
        }
    }

    [Fact]
    public void Padded_crop_and_flip_with_nearest_sampling_match_grid_sample_exactly()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(64, 3, 10, 13, seed: 5);
        var chain = Chain(new HorizontalFlip(), new RandomCrop(4));
        using var generator = TestImages.Generator(3);
        var maps = chain.DrawTransforms(64, 10, 13, generator);

        var kernel = AffineResampler.Resample(images, maps, 10, 13, chain.Sampling);
        var reference = AffineResampler.Resample(images, maps, 10, 13, chain.Sampling, allowCpuKernel: false);

        kernel.SameAs(reference).Should().BeTrue();
    }

    /// <summary>The fused chain a pipeline builds from two geometric ops.</summary>
    private static IAffineAugmentation Chain(IAffineAugmentation first, IAffineAugmentation second)
    {
        AffineChain.CanJoin(default, first, out var sampling).Should().BeTrue();
        AffineChain.CanJoin(sampling, second, out sampling).Should().BeTrue();
        return new AffineChain([first, second], sampling);
    }
}
