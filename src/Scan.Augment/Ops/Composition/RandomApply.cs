using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Applies an op to each sample with probability <see cref="Probability"/> (torchvision RandomApply, decided per
/// sample): the op runs once on the chosen samples only. A geometric op stays geometric, so it still fuses with its
/// neighbours into one resampling.
/// </summary>
/// <example><code>var jitter = new RandomApply(0.8, new ColorJitter(0.4, 0.4, 0.4, 0.1)); // SimCLR</code></example>
public sealed class RandomApply : IAffineAugmentation, IInPlaceAugmentation
{
    /// <summary>Creates the wrapper.</summary>
    /// <param name="probability">Chance that a sample gets the op, in [0, 1].</param>
    /// <param name="augmentation">The op; it must keep the image size unless it is geometric.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1].</exception>
    /// <exception cref="ArgumentNullException"><paramref name="augmentation"/> is null.</exception>
    public RandomApply(double probability, IAugmentation augmentation)
    {
        Guard.Probability(probability, nameof(probability));
        ArgumentNullException.ThrowIfNull(augmentation);
        (Probability, Augmentation) = (probability, augmentation);
    }

    /// <summary>Chance that a sample gets the op.</summary>
    public double Probability { get; }

    /// <summary>The wrapped op.</summary>
    public IAugmentation Augmentation { get; }

    private IAffineAugmentation? Affine => Augmentation as IAffineAugmentation is { IsAffine: true } a ? a : null;

    bool IAffineAugmentation.IsAffine => Affine is not null;

    AffineSampling IAffineAugmentation.Sampling => Affine?.Sampling ?? default;

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) =>
        Affine?.OutputSize(height, width) ?? (height, width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator)
    {
        var inner = Affine ?? throw new InvalidOperationException($"{Augmentation.GetType().Name} is not a geometric op.");
        var selected = RandomDraws.Bernoulli(count, Probability, generator);
        var transforms = inner.DrawTransforms(count, height, width, generator);
        // A sample that is not chosen is only resized to the op's output size.
        var (outH, outW) = inner.OutputSize(height, width);
        var plain = Affine2D.Scale((double)width / outW, (double)height / outH);
        for (var i = 0; i < count; i++)
            if (!selected[i])
                transforms[i] = plain;
        return transforms;
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        if (Affine is not null || Augmentation is not ISubsetAugmentation subsetAugmentation)
        {
            using var result = Apply(images, generator);
            images.copy_(result);
            return;
        }

        ImageBatch.Validate(images, generator);
        var members = ChooseSamples(images.shape[0], generator);
        if (members.Count > 0)
            subsetAugmentation.ApplyToSubsetInPlace(images, members, generator);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The wrapped op changed the image size.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        if (Affine is not null)
            return AffineResampler.ApplyAlone(this, images, generator);

        ImageBatch.Validate(images, generator);
        var n = images.shape[0];
        var members = ChooseSamples(n, generator);
        if (members.Count == 0)
            return images.clone();
        if (Augmentation is ISubsetAugmentation subsetAugmentation)
            return subsetAugmentation.ApplyToSubset(images, members, generator);

        using var scope = torch.NewDisposeScope();
        var subset = members.Count == n ? images : images.index_select(0, RandomDraws.Indices(members, images.device));
        var transformed = Augmentation.Apply(subset, generator);
        if (!transformed.shape.SequenceEqual(subset.shape))
            throw new InvalidOperationException(
                $"RandomApply needs an op that keeps the image size: {Augmentation.GetType().Name} turned {ImageBatch.Shape(subset)} into {ImageBatch.Shape(transformed)}.");
        if (members.Count == n)
            return transformed.MoveToOuterDisposeScope();

        var result = images.clone();
        result.index_copy_(0, RandomDraws.Indices(members, images.device), transformed);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The samples that get the op: one uniform draw per sample, below the probability.</summary>
    private List<long> ChooseSamples(long count, Generator generator)
    {
        var selected = RandomDraws.Bernoulli(count, Probability, generator);
        var members = new List<long>();
        for (var i = 0; i < count; i++)
            if (selected[i])
                members.Add(i);
        return members;
    }
}
