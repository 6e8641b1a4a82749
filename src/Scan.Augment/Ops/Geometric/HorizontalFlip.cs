using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Mirrors each sample left-right with probability <see cref="Probability"/> (torchvision RandomHorizontalFlip).
/// Exact (a pixel permutation); next to other geometric ops it shares their single resampling.
/// </summary>
/// <example><code>var flip = new HorizontalFlip(0.5); var flipped = flip.Apply(images, generator);</code></example>
public sealed class HorizontalFlip : IAffineAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="probability">Chance that a sample is flipped, in [0, 1]; SimCLR and SCAN use 0.5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1].</exception>
    public HorizontalFlip(double probability = 0.5)
    {
        Guard.Probability(probability, nameof(probability));
        Probability = probability;
    }

    /// <summary>Chance that a sample is flipped.</summary>
    public double Probability { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(null, null);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator)
    {
        var flip = RandomDraws.Bernoulli(count, Probability, generator);
        return flip.Select(f => f ? Affine2D.Scale(-1, 1) : Affine2D.Identity).ToArray();
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
