using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// RandAugment-style strong augmentation (Cubuk et al., 2020, arXiv 1909.13719), as SCAN uses it: for each sample,
/// <see cref="NumOps"/> ops are drawn uniformly with replacement from <see cref="Ops"/> and applied in turn, each
/// with its own random magnitude. <see cref="Recipes.AugmentationRecipes.StrongOps"/> gives SCAN's fourteen ops.
/// </summary>
/// <remarks>
/// Batched: at each of the <see cref="NumOps"/> steps the batch is split by the op each sample drew; every op runs
/// once on its samples, and all geometric ops of the step share one resampling. Ops must keep the image size.
/// </remarks>
/// <example><code>var strong = new RandAugment(AugmentationRecipes.StrongOps(), numOps: 4);</code></example>
public sealed class RandAugment : IAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="ops">The ops to draw from (at least one).</param>
    /// <param name="numOps">Ops applied to each sample, >= 1 (SCAN uses 4).</param>
    /// <exception cref="ArgumentNullException"><paramref name="ops"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="ops"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numOps"/> is below 1.</exception>
    public RandAugment(IEnumerable<IAugmentation> ops, int numOps = 4)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var list = ops.ToList();
        if (list.Count == 0)
            throw new ArgumentException("ops must contain at least one op to draw from, got none.", nameof(ops));
        for (var i = 0; i < list.Count; i++)
            if (list[i] is null)
                throw new ArgumentNullException(nameof(ops), $"ops[{i}] is null.");
        Guard.Positive(numOps, nameof(numOps));
        (Ops, NumOps) = (list, numOps);
    }

    /// <summary>The ops drawn from.</summary>
    public IReadOnlyList<IAugmentation> Ops { get; }

    /// <summary>Ops applied to each sample.</summary>
    public int NumOps { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">An op changed the image size.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var (n, h, w) = (images.shape[0], images.shape[2], images.shape[3]);
        var choices = RandomDraws.IntegerTable(NumOps, n, 0, Ops.Count, generator);

        using var scope = torch.NewDisposeScope();
        var result = images.clone();
        for (var step = 0; step < NumOps; step++)
        {
            var members = new List<long>[Ops.Count];
            for (var k = 0; k < Ops.Count; k++)
                members[k] = [];
            for (var i = 0; i < n; i++)
                members[choices[step, i]].Add(i);

            var geometric = new List<(AffineSampling Sampling, List<long> Samples, List<Affine2D> Transforms)>();
            for (var k = 0; k < Ops.Count; k++)
            {
                if (members[k].Count == 0 || Ops[k] is Identity)
                    continue;
                if (Ops[k] is IAffineAugmentation { IsAffine: true } affine)
                {
                    if (affine.OutputSize(h, w) != (h, w))
                        throw SizeChanged(Ops[k]);
                    var transforms = affine.DrawTransforms(members[k].Count, h, w, generator);
                    var group = geometric.FindIndex(g => AffineSampling.TryMerge(g.Sampling, affine.Sampling, out _));
                    if (group < 0)
                    {
                        geometric.Add((affine.Sampling, [], []));
                        group = geometric.Count - 1;
                    }

                    AffineSampling.TryMerge(geometric[group].Sampling, affine.Sampling, out var merged);
                    geometric[group] = (merged, geometric[group].Samples, geometric[group].Transforms);
                    geometric[group].Samples.AddRange(members[k]);
                    geometric[group].Transforms.AddRange(transforms);
                    continue;
                }

                using var opScope = torch.NewDisposeScope();
                var index = RandomDraws.Indices(members[k], images.device);
                var subset = result.index_select(0, index);
                var transformed = Ops[k].Apply(subset, generator);
                if (!transformed.shape.SequenceEqual(subset.shape))
                    throw SizeChanged(Ops[k]);
                result.index_copy_(0, index, transformed);
            }

            foreach (var (sampling, samples, transforms) in geometric)
            {
                using var groupScope = torch.NewDisposeScope();
                var index = RandomDraws.Indices(samples, images.device);
                var resampled = AffineResampler.Resample(result.index_select(0, index), transforms, h, w, sampling);
                result.index_copy_(0, index, resampled);
            }
        }

        return result.MoveToOuterDisposeScope();
    }

    private static InvalidOperationException SizeChanged(IAugmentation op) =>
        new($"RandAugment needs ops that keep the image size; {op.GetType().Name} changes it.");
}
