using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Photometric;

/// <summary>
/// Each photometric kernel against torchvision 0.14's tensor function on fixed inputs (see
/// Fixtures/make_augment_fixture.py), one parameter per image. Tolerance: absolute 1e-5 (float32 rounding of
/// differently ordered arithmetic: lerp for blends, a closed-form HSV round trip for hue; values are in [0, 1]).
/// 8-bit ops (posterize, equalize) and solarize must match to 1e-6.
/// </summary>
public sealed class TorchvisionReferenceTests
{
    private const float BlendTolerance = 1e-5f;
    private const float ExactTolerance = 1e-6f;

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        foreach (var c in TorchvisionFixture.Cases)
            data.Add(c.Index);
        return data;
    }

    [Fact]
    public void Fixture_covers_every_photometric_op()
    {
        TorchvisionFixture.Cases.Select(c => c.Op).Distinct().Should().BeEquivalentTo(
            "grayscale", "brightness", "contrast", "saturation", "hue", "sharpness", "solarize", "posterize",
            "autocontrast", "equalize", "normalize", "resize");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Kernel_matches_torchvision(int index)
    {
        var c = TorchvisionFixture.Cases[index];
        using var scope = torch.NewDisposeScope();
        var input = TorchvisionFixture.Input(c.Input);
        var actual = Run(c, input);

        actual.shape.Should().Equal(c.Shape, because: c.ToString());
        var values = TestImages.Values(actual);
        var tolerance = c.Op is "posterize" or "equalize" or "solarize" ? ExactTolerance : BlendTolerance;
        var worst = values.Zip(c.Output, (a, e) => Math.Abs(a - e)).Max();
        worst.Should().BeLessThanOrEqualTo(tolerance, because: $"case {c} must match torchvision");
    }

    public static TheoryData<int> RgbHueCaseIndices()
    {
        var data = new TheoryData<int>();
        foreach (var c in TorchvisionFixture.Cases.Where(c => c.Op == "hue" && c.Input == "rgb"))
            data.Add(c.Index);
        return data;
    }

    [Theory]
    [MemberData(nameof(RgbHueCaseIndices))]
    public void Tensor_form_of_hue_matches_torchvision_too(int index)
    {
        // On the CPU, Hue runs a SIMD kernel; the tensor form (used on other devices) must agree with torchvision.
        var c = TorchvisionFixture.Cases[index];
        using var scope = torch.NewDisposeScope();
        var input = TorchvisionFixture.Input(c.Input);

        var actual = ColorKernels.HueTensor(input, RandomDraws.PerSample(c.Params!, input.device));

        var worst = TestImages.Values(actual).Zip(c.Output, (a, e) => Math.Abs(a - e)).Max();
        worst.Should().BeLessThanOrEqualTo(BlendTolerance, because: $"case {c} must match torchvision");
    }

    private static Tensor Run(TorchvisionFixture.Case c, Tensor input)
    {
        Tensor Factors() => RandomDraws.PerSample(c.Params!, input.device);
        using var generator = TestImages.Generator();
        return c.Op switch
        {
            "grayscale" => new RandomGrayscale(1.0).Apply(input, generator),
            "brightness" => ColorKernels.Brightness(input, Factors()),
            "contrast" => ColorKernels.Contrast(input, Factors()),
            "saturation" => ColorKernels.Saturation(input, Factors()),
            "hue" => ColorKernels.Hue(input, Factors()),
            "sharpness" => SharpnessKernel.Sharpness(input, Factors()),
            "solarize" => ToneKernels.Solarize(input, Factors()),
            "posterize" => ToneKernels.Posterize(input, Factors()),
            "autocontrast" => new AutoContrast().Apply(input, generator),
            "equalize" => new Equalize().Apply(input, generator),
            "normalize" => NormalizeWith(c.Params!, input, generator),
            "resize" => ResizeWholeImage(input, (long)c.Params![0], (long)c.Params[1]),
            _ => throw new InvalidOperationException($"unknown op {c.Op}"),
        };
    }

    private static Tensor NormalizeWith(double[] meanThenStd, Tensor input, Generator generator)
    {
        var half = meanThenStd.Length / 2;
        var stats = new NormalizationStats(
            meanThenStd.Take(half).Select(v => (float)v).ToArray(),
            meanThenStd.Skip(half).Select(v => (float)v).ToArray());
        return new Normalize(stats).Apply(input, generator);
    }

    // The crop map of RandomResizedCrop for the whole image is a plain resize: torchvision's bilinear resize.
    private static Tensor ResizeWholeImage(Tensor input, long height, long width)
    {
        var (n, h, w) = (input.shape[0], input.shape[2], input.shape[3]);
        var map = RandomResizedCrop.CropTransform(0, 0, h, w, h, w, height, width);
        var sampling = new AffineSampling(Interpolation.Bilinear, AffinePadding.Border);
        return AffineResampler.Resample(input, Enumerable.Repeat(map, (int)n).ToArray(), height, width, sampling);
    }
}
