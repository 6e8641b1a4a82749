using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Shears each sample horizontally: the pixel at (x, y) samples (x + m·y, y) with m uniform in
/// [<see cref="MinShear"/>, <see cref="MaxShear"/>] (PIL's affine (1, m, 0, 0, 1, 0)). The shear is about the image
/// centre row rather than PIL's top row, so the image stays centred. One of SCAN's strong ops (range −0.1..0.1).
/// </summary>
public sealed class ShearX : IAffineAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="minShear">Smallest shear factor, in [−1, 1] (±1 is a 45° slant).</param>
    /// <param name="maxShear">Largest shear factor, in [minShear, 1].</param>
    /// <param name="interpolation">Resampling; nearest as PIL's default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor outside [−1, 1].</exception>
    /// <exception cref="ArgumentException"><paramref name="minShear"/> exceeds <paramref name="maxShear"/>.</exception>
    public ShearX(double minShear = -0.1, double maxShear = 0.1, Interpolation interpolation = Interpolation.Nearest)
    {
        Guard.Interval(minShear, maxShear, -1, 1, nameof(minShear), nameof(maxShear));
        (MinShear, MaxShear, Interpolation) = (minShear, maxShear, interpolation);
    }

    /// <summary>Smallest shear factor.</summary>
    public double MinShear { get; }

    /// <summary>Largest shear factor.</summary>
    public double MaxShear { get; }

    /// <summary>Resampling.</summary>
    public Interpolation Interpolation { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(Interpolation, AffinePadding.Zeros);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator) =>
        RandomDraws.Uniform(count, MinShear, MaxShear, generator).Select(m => new Affine2D(1, m, 0, 0, 1, 0)).ToArray();

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
