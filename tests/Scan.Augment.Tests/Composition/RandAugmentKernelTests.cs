using Scan.Augment.Ops;
using Scan.Augment.Recipes;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Composition;

/// <summary>RandAugment's fused CPU kernel against its batched tensor form, on the same draws.</summary>
public sealed class RandAugmentKernelTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 3, 28, 28 },
        { 3, 5, 9 },
        { 1, 11, 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Photometric_ops_agree_with_the_batched_form(int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        IAugmentation[] ops =
        [
            new Identity(), new AutoContrast(), new Equalize(), new Solarize(), new Color(0.05, 1.9), new Posterize(1, 8),
            new Contrast(0.05, 1.9), new Brightness(0.05, 1.9), new Sharpness(0.05, 1.9), new Hue(-0.5, 0.5),
        ];
        var (fused, batched, _) = RunBoth(new RandAugment(ops, 4), channels, height, width);

        // Tolerance: float rounding of means (summed in another order) and of lerp; the 8-bit ops then agree or
        // differ by one level where a value sits on a level boundary, which these random inputs do not hit.
        TestImages.MaxAbsDifference(fused, batched).Should().BeLessThan(1e-5f);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Whole_pixel_geometric_ops_agree_exactly(int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        IAugmentation[] ops = [new TranslateX(0.25, 0.25), new TranslateY(-0.25, -0.25), new Identity()];
        var square = Math.Min(height, width);
        var (fused, batched, _) = RunBoth(new RandAugment(ops, 3), channels, height, width);
        var (turnedFused, turnedBatched, _) = RunBoth(new RandAugment([new Rotate(90, 90), new Rotate(180, 180)], 2), channels, square, square);

        fused.SameAs(batched).Should().BeTrue();
        turnedFused.SameAs(turnedBatched).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Scan_strong_ops_agree_but_for_rare_nearest_pixel_ties(int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var (fused, batched, images) = RunBoth(new RandAugment(AugmentationRecipes.StrongOps(), 4), channels, height, width);

        // Nearest-pixel sampling may round a source position that lies on a half pixel either way (float vs
        // double coordinates), moving that pixel by one; everything else agrees to float rounding.
        var differing = (fused - batched).abs().gt(1e-5f).sum().item<long>();
        differing.Should().BeLessThan(images.numel() / 100);
    }

    [Fact]
    public void Bilinear_rotation_agrees_with_grid_sample()
    {
        using var scope = torch.NewDisposeScope();
        var (fused, batched, _) = RunBoth(new RandAugment([new Rotate(-40, 40, Interpolation.Bilinear)], 1), 3, 12, 10);

        TestImages.MaxAbsDifference(fused, batched).Should().BeLessThan(1e-4f);
    }

    private static (Tensor Fused, Tensor Batched, Tensor Images) RunBoth(RandAugment augmentation, int channels, int height, int width)
    {
        var images = TestImages.Random(48, channels, height, width, seed: 17);
        using var a = TestImages.Generator(4);
        using var b = TestImages.Generator(4);
        return (augmentation.Apply(images, a, allowCpuKernel: true), augmentation.Apply(images, b, allowCpuKernel: false), images);
    }
}
