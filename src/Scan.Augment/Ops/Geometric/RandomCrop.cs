using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Pads each sample with <see cref="Padding"/> black pixels on every side and crops back to the original size at a
/// random whole-pixel position (torchvision RandomCrop(size, padding)): a random shift by up to
/// <see cref="Padding"/> pixels in x and y, with black filling what enters. Exact: no interpolation.
/// </summary>
/// <example><code>var crop = new RandomCrop(padding: 4); // CIFAR's "random crop with padding 4"</code></example>
public sealed class RandomCrop : IAffineAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="padding">Pixels of padding on each side, >= 0 (the authors' CIFAR configs use 4).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padding"/> is negative.</exception>
    public RandomCrop(int padding)
    {
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"padding must be >= 0 pixels, got {padding}.");
        Padding = padding;
    }

    /// <summary>Pixels of padding on each side.</summary>
    public int Padding { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(null, AffinePadding.Zeros);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator)
    {
        // Top-left corner of the crop in the padded image, uniform in [0, 2 * padding] as torchvision draws it.
        var top = RandomDraws.Integers(count, 0, 2L * Padding + 1, generator);
        var left = RandomDraws.Integers(count, 0, 2L * Padding + 1, generator);
        var transforms = new Affine2D[count];
        for (var i = 0; i < count; i++)
            transforms[i] = Affine2D.Translation(Padding - left[i], Padding - top[i]);
        return transforms;
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
