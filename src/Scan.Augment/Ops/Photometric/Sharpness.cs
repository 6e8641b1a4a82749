using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Changes each sample's sharpness by a factor drawn uniformly in [<see cref="MinFactor"/>, <see cref="MaxFactor"/>]:
/// torchvision's adjust_sharpness (blend with a 3x3-smoothed copy; 0 smooths, 1 is the original, above 1 sharpens).
/// One of SCAN's strong ops (0.05..0.95). Images of height or width 2 or less are returned unchanged, as torchvision.
/// </summary>
public sealed class Sharpness : IPerImageOp
{
    /// <summary>Creates the op.</summary>
    /// <param name="minFactor">Smallest factor, in [0, 10].</param>
    /// <param name="maxFactor">Largest factor, in [minFactor, 10].</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound outside [0, 10] (larger factors only saturate; the bound catches unit mistakes such as percentages).</exception>
    /// <exception cref="ArgumentException"><paramref name="minFactor"/> exceeds <paramref name="maxFactor"/>.</exception>
    public Sharpness(double minFactor = 0.05, double maxFactor = 0.95)
    {
        Guard.Interval(minFactor, maxFactor, 0, 10, nameof(minFactor), nameof(maxFactor));
        (MinFactor, MaxFactor) = (minFactor, maxFactor);
    }

    /// <summary>Smallest factor.</summary>
    public double MinFactor { get; }

    /// <summary>Largest factor.</summary>
    public double MaxFactor { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) =>
        PerSampleFactorOp.Apply(images, generator, MinFactor, MaxFactor, SharpnessKernel.Sharpness);

    double[] IPerImageOp.DrawParameters(long count, Generator generator) => RandomDraws.Uniform(count, MinFactor, MaxFactor, generator);

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.Sharpness(image, channels, height, width, (float)parameter, scratch);
    }
}
