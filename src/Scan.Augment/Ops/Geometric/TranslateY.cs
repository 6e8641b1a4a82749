using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Shifts each sample vertically by a fraction of its height drawn uniformly in [<see cref="MinFraction"/>,
/// <see cref="MaxFraction"/>]; positive moves the content down, black enters. One of SCAN's strong ops
/// (range −0.1..0.1 of the height).
/// </summary>
/// <example><code>var shift = new TranslateY(0.25, 0.25); // on a height-8 image: exactly 2 pixels down</code></example>
public sealed class TranslateY : IAffineAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="minFraction">Smallest shift as a fraction of the height, in [−1, 1].</param>
    /// <param name="maxFraction">Largest shift, in [minFraction, 1].</param>
    /// <param name="interpolation">Resampling; nearest (whole-pixel shifts, as PIL's default).</param>
    /// <exception cref="ArgumentOutOfRangeException">A fraction outside [−1, 1].</exception>
    /// <exception cref="ArgumentException"><paramref name="minFraction"/> exceeds <paramref name="maxFraction"/>.</exception>
    public TranslateY(double minFraction = -0.1, double maxFraction = 0.1, Interpolation interpolation = Interpolation.Nearest)
    {
        Guard.Interval(minFraction, maxFraction, -1, 1, nameof(minFraction), nameof(maxFraction));
        (MinFraction, MaxFraction, Interpolation) = (minFraction, maxFraction, interpolation);
    }

    /// <summary>Smallest shift as a fraction of the height.</summary>
    public double MinFraction { get; }

    /// <summary>Largest shift as a fraction of the height.</summary>
    public double MaxFraction { get; }

    /// <summary>Resampling.</summary>
    public Interpolation Interpolation { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(Interpolation, AffinePadding.Zeros);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator) =>
        RandomDraws.Uniform(count, MinFraction, MaxFraction, generator).Select(f => Affine2D.Translation(0, f * height)).ToArray();

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
