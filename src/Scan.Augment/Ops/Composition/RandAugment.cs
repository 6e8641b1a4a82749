using System.Runtime.InteropServices;
using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// RandAugment-style strong augmentation (Cubuk et al., 2020, arXiv 1909.13719), as SCAN uses it: for each sample,
/// <see cref="NumOps"/> ops are drawn uniformly with replacement from <see cref="Ops"/> and applied in turn, each
/// with its own random magnitude. <see cref="Recipes.AugmentationRecipes.StrongOps"/> gives SCAN's fourteen ops.
/// </summary>
/// <remarks>
/// Ops must keep the image size. On the CPU, when all ops are built in, a fused kernel runs each sample's ops in
/// turn in managed code; otherwise, at each of the <see cref="NumOps"/> steps the batch is split by the op each
/// sample drew, every op runs once on its samples as tensor ops, and the geometric ops of the step share one
/// resampling. Both draw the same random numbers.
/// </remarks>
/// <example><code>var strong = new RandAugment(AugmentationRecipes.StrongOps(), numOps: 4);</code></example>
public sealed class RandAugment : IInPlaceAugmentation
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
    public Tensor Apply(Tensor images, Generator generator) => Apply(images, generator, allowCpuKernel: true);

    /// <summary>
    /// <see cref="Apply(Tensor, Generator)"/>; <paramref name="allowCpuKernel"/> false forces the batched tensor
    /// form on the CPU too (for tests comparing the two).
    /// </summary>
    internal Tensor Apply(Tensor images, Generator generator, bool allowCpuKernel)
    {
        ImageBatch.Validate(images, generator);
        var result = images.clone();
        ApplyInPlace(result, generator, allowCpuKernel);
        return result;
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        ApplyInPlace(images, generator, allowCpuKernel: true);
    }

    private void ApplyInPlace(Tensor result, Generator generator, bool allowCpuKernel)
    {
        var (n, h, w) = (result.shape[0], result.shape[2], result.shape[3]);
        var choices = RandomDraws.IntegerTable(NumOps, n, 0, Ops.Count, generator);
        if (allowCpuKernel && CanRunPerImage(result))
        {
            ApplyPerImage(result, choices, generator);
            return;
        }

        var device = result.device;
        using var scope = torch.NewDisposeScope();
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
                var index = RandomDraws.Indices(members[k], device);
                var subset = result.index_select(0, index);
                var transformed = Ops[k].Apply(subset, generator);
                if (!transformed.shape.SequenceEqual(subset.shape))
                    throw SizeChanged(Ops[k]);
                result.index_copy_(0, index, transformed);
            }

            foreach (var (sampling, samples, transforms) in geometric)
            {
                using var groupScope = torch.NewDisposeScope();
                var index = RandomDraws.Indices(samples, device);
                var resampled = AffineResampler.Resample(result.index_select(0, index), transforms, h, w, sampling);
                result.index_copy_(0, index, resampled);
            }
        }
    }

    /// <summary>Whether the fused CPU kernel knows every op: CPU float32 contiguous batch, ops all built in.</summary>
    private bool CanRunPerImage(Tensor images)
    {
        if (images.device.type != DeviceType.CPU || images.dtype != ScalarType.Float32 || !images.is_contiguous())
            return false;
        var (h, w) = (images.shape[2], images.shape[3]);
        return Ops.All(op => op is Identity or IPerImageOp ||
                             (op is IAffineAugmentation { IsAffine: true } affine && affine.OutputSize(h, w) == (h, w)));
    }

    /// <summary>
    /// The fused CPU kernel: parameters are drawn exactly as the batched form draws them (step by step, op by op,
    /// for the samples that drew the op), then each sample runs its ops in turn in managed code while it sits in
    /// the cache. The batched form needs a gather, a scatter and several tensor ops per op and step, which on small
    /// images costs far more than the arithmetic.
    /// </summary>
    private void ApplyPerImage(Tensor result, long[,] choices, Generator generator)
    {
        var (n, channels, height, width) = ((int)result.shape[0], (int)result.shape[1], (int)result.shape[2], (int)result.shape[3]);
        var parameters = new double[NumOps, n];
        var maps = new Affine2D[NumOps, n];
        for (var step = 0; step < NumOps; step++)
        {
            for (var k = 0; k < Ops.Count; k++)
            {
                var members = new List<int>();
                for (var i = 0; i < n; i++)
                    if (choices[step, i] == k)
                        members.Add(i);
                if (members.Count == 0 || Ops[k] is Identity)
                    continue;
                if (Ops[k] is IAffineAugmentation affine)
                {
                    var drawn = affine.DrawTransforms(members.Count, height, width, generator);
                    for (var j = 0; j < members.Count; j++)
                        maps[step, members[j]] = drawn[j];
                }
                else
                {
                    var drawn = ((IPerImageOp)Ops[k]).DrawParameters(members.Count, generator);
                    for (var j = 0; j < members.Count; j++)
                        parameters[step, members[j]] = drawn[j];
                }
            }
        }

        if (n == 0)
            return;
        var size = channels * height * width;
        var threads = (long)n * size >= 1 << 15 ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (n + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var scratch = new float[size];
            var data = MemoryMarshal.Cast<byte, float>(result.bytes);
            for (var i = t * perThread; i < Math.Min(n, (t + 1) * perThread); i++)
            {
                var image = data.Slice(i * size, size);
                for (var step = 0; step < NumOps; step++)
                {
                    switch (Ops[(int)choices[step, i]])
                    {
                        case Identity:
                            break;
                        case IAffineAugmentation affine:
                            AffineCpuResampler.Resample(image, channels, height, width, maps[step, i], affine.Sampling, scratch);
                            break;
                        case var op:
                            ((IPerImageOp)op).ApplyToImage(image, channels, height, width, parameters[step, i], scratch);
                            break;
                    }
                }
            }
        });
    }

    private static InvalidOperationException SizeChanged(IAugmentation op) =>
        new($"RandAugment needs ops that keep the image size; {op.GetType().Name} changes it.");
}
