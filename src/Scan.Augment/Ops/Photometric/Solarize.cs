using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Inverts the pixels at or above a threshold drawn uniformly in [<see cref="MinThreshold"/>, <see cref="MaxThreshold"/>]
/// per sample: torchvision's solarize (x ≥ t → 1 − x). Thresholds are in intensity units: the authors' 8-bit range
/// 0..256 is 0..256/255 here (a threshold above 1 inverts nothing). One of SCAN's strong ops.
/// </summary>
public sealed class Solarize : IPerImageOp
{
    /// <summary>Creates the op.</summary>
    /// <param name="minThreshold">Smallest threshold (intensity, 0..1), in [0, 2]; the default 0 is the authors' 8-bit 0.</param>
    /// <param name="maxThreshold">Largest threshold (intensity, 0..1), in [minThreshold, 2].</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound outside [0, 2].</exception>
    /// <exception cref="ArgumentException"><paramref name="minThreshold"/> exceeds <paramref name="maxThreshold"/>.</exception>
    public Solarize(double minThreshold = 0, double maxThreshold = 256.0 / 255.0)
    {
        Guard.Interval(minThreshold, maxThreshold, 0, 2, nameof(minThreshold), nameof(maxThreshold));
        (MinThreshold, MaxThreshold) = (minThreshold, maxThreshold);
    }

    /// <summary>Smallest threshold (intensity, 0..1).</summary>
    public double MinThreshold { get; }

    /// <summary>Largest threshold (intensity, 0..1).</summary>
    public double MaxThreshold { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) =>
        PerSampleFactorOp.Apply(images, generator, MinThreshold, MaxThreshold, ToneKernels.Solarize);

    double[] IPerImageOp.DrawParameters(long count, Generator generator) => RandomDraws.Uniform(count, MinThreshold, MaxThreshold, generator);

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.Solarize(image, (float)parameter);
    }
}
