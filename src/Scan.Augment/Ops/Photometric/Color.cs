using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Scales each sample's colour saturation by a factor drawn uniformly in [<see cref="MinFactor"/>, <see cref="MaxFactor"/>]:
/// PIL's ImageEnhance.Color, as torchvision's adjust_saturation (blend with the luma, clamped). One of SCAN's strong
/// ops (0.05..0.95). A no-op on 1-channel images, by design: they have no saturation.
/// </summary>
public sealed class Color : IPerImageOp
{
    /// <summary>Creates the op.</summary>
    /// <param name="minFactor">Smallest factor (0 is grey, 1 the original), in [0, 10].</param>
    /// <param name="maxFactor">Largest factor (0 is grey, 1 the original), in [minFactor, 10].</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound outside [0, 10] (larger factors only saturate; the bound catches unit mistakes such as percentages).</exception>
    /// <exception cref="ArgumentException"><paramref name="minFactor"/> exceeds <paramref name="maxFactor"/>.</exception>
    public Color(double minFactor = 0.05, double maxFactor = 0.95)
    {
        Guard.Interval(minFactor, maxFactor, 0, 10, nameof(minFactor), nameof(maxFactor));
        (MinFactor, MaxFactor) = (minFactor, maxFactor);
    }

    /// <summary>Smallest factor (0 is grey, 1 the original).</summary>
    public double MinFactor { get; }

    /// <summary>Largest factor (0 is grey, 1 the original).</summary>
    public double MaxFactor { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) =>
        PerSampleFactorOp.Apply(images, generator, MinFactor, MaxFactor, ColorKernels.Saturation);

    double[] IPerImageOp.DrawParameters(long count, Generator generator) => RandomDraws.Uniform(count, MinFactor, MaxFactor, generator);

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.Color(image, channels, height * width, (float)parameter);
    }
}
