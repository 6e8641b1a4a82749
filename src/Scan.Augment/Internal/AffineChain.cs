using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// Consecutive geometric ops of a pipeline fused into one: their per-sample maps are composed and the batch is
/// resampled once. Each op draws its parameters in pipeline order, exactly as it would when applied alone.
/// </summary>
internal sealed class AffineChain : IAffineAugmentation
{
    private readonly IReadOnlyList<IAffineAugmentation> ops;
    private readonly AffineSampling sampling;

    internal AffineChain(IReadOnlyList<IAffineAugmentation> ops, AffineSampling sampling) => (this.ops, this.sampling) = (ops, sampling);

    /// <summary>Whether <paramref name="op"/> can join a chain resampled with <paramref name="sampling"/>; gives the merged sampling.</summary>
    internal static bool CanJoin(AffineSampling sampling, IAffineAugmentation op, out AffineSampling merged) =>
        AffineSampling.TryMerge(sampling, op.Sampling, out merged);

    public bool IsAffine => true;

    public AffineSampling Sampling => sampling;

    public (long Height, long Width) OutputSize(long height, long width)
    {
        foreach (var op in ops)
            (height, width) = op.OutputSize(height, width);
        return (height, width);
    }

    public Affine2D[] DrawTransforms(long count, long height, long width, Generator generator)
    {
        var combined = Enumerable.Repeat(Affine2D.Identity, (int)count).ToArray();
        foreach (var op in ops)
        {
            var step = op.DrawTransforms(count, height, width, generator);
            for (var i = 0; i < count; i++)
                combined[i] = Affine2D.Chain(combined[i], step[i]);
            (height, width) = op.OutputSize(height, width);
        }

        return combined;
    }

    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
