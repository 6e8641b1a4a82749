using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Rotates each sample about its centre by an angle drawn uniformly in [<see cref="MinDegrees"/>,
/// <see cref="MaxDegrees"/>]; positive is counter-clockwise, as PIL and torchvision. Corners that enter are black.
/// One of SCAN's strong ops (the authors' range: −30..30°).
/// </summary>
/// <example><code>var rotate = new Rotate(-30, 30); var exact = new Rotate(90, 90); // fixed quarter turn</code></example>
public sealed class Rotate : IAffineAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="minDegrees">Smallest angle, in [−360, 360].</param>
    /// <param name="maxDegrees">Largest angle, in [minDegrees, 360].</param>
    /// <param name="interpolation">Resampling; nearest as PIL's and torchvision RandAugment's default.</param>
    /// <exception cref="ArgumentOutOfRangeException">An angle outside [−360, 360].</exception>
    /// <exception cref="ArgumentException"><paramref name="minDegrees"/> exceeds <paramref name="maxDegrees"/>.</exception>
    public Rotate(double minDegrees = -30, double maxDegrees = 30, Interpolation interpolation = Interpolation.Nearest)
    {
        Guard.Interval(minDegrees, maxDegrees, -360, 360, nameof(minDegrees), nameof(maxDegrees));
        (MinDegrees, MaxDegrees, Interpolation) = (minDegrees, maxDegrees, interpolation);
    }

    /// <summary>Smallest angle in degrees.</summary>
    public double MinDegrees { get; }

    /// <summary>Largest angle in degrees.</summary>
    public double MaxDegrees { get; }

    /// <summary>Resampling.</summary>
    public Interpolation Interpolation { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(Interpolation, AffinePadding.Zeros);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator) =>
        RandomDraws.Uniform(count, MinDegrees, MaxDegrees, generator).Select(Transform).ToArray();

    /// <summary>
    /// Output pixel to input position for a counter-clockwise turn in y-down coordinates: the inverse rotation
    /// [[cos, −sin], [sin, cos]].
    /// </summary>
    internal static Affine2D Transform(double degrees)
    {
        var radians = degrees * Math.PI / 180;
        var (sin, cos) = Math.SinCos(radians);
        return new Affine2D(cos, -sin, 0, sin, cos, 0);
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
