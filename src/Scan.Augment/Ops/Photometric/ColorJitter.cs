using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// torchvision's ColorJitter, per sample: brightness, contrast and saturation factors uniform in
/// [max(0, 1 − s), 1 + s] and a hue shift uniform in [−h, h], applied in a random order drawn per sample.
/// SimCLR's views use (0.4, 0.4, 0.4, 0.1), applied with p = 0.8 (wrap in <see cref="RandomApply"/>).
/// </summary>
/// <remarks>
/// Saturation and hue are no-ops on 1-channel images, by design (grey images have neither), as in torchvision.
/// A strength of 0 disables that adjustment. On the CPU a fused kernel visits each sample once and applies its
/// adjustments in its order; elsewhere the batch is split by the position each adjustment takes in each sample's
/// order, so every adjustment runs once per sample as batched tensor ops.
/// </remarks>
/// <example><code>var jitter = new RandomApply(0.8, new ColorJitter(0.4, 0.4, 0.4, 0.1));</code></example>
public sealed class ColorJitter : ISubsetAugmentation, IInPlaceAugmentation
{
    private const int Adjustments = 4;

    /// <summary>Creates the op.</summary>
    /// <param name="brightness">Brightness strength s >= 0: factor in [max(0, 1 − s), 1 + s].</param>
    /// <param name="contrast">Contrast strength >= 0, as brightness.</param>
    /// <param name="saturation">Saturation strength >= 0, as brightness.</param>
    /// <param name="hue">Hue strength in [0, 0.5]: shift in [−hue, hue] turns.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite strength, or hue above 0.5.</exception>
    public ColorJitter(double brightness = 0.4, double contrast = 0.4, double saturation = 0.4, double hue = 0.1)
    {
        Guard.NonNegativeFinite(brightness, nameof(brightness));
        Guard.NonNegativeFinite(contrast, nameof(contrast));
        Guard.NonNegativeFinite(saturation, nameof(saturation));
        Guard.InRange(hue, 0, 0.5, nameof(hue));
        (Brightness, Contrast, Saturation, Hue) = (brightness, contrast, saturation, hue);
    }

    /// <summary>Brightness strength.</summary>
    public double Brightness { get; }

    /// <summary>Contrast strength.</summary>
    public double Contrast { get; }

    /// <summary>Saturation strength.</summary>
    public double Saturation { get; }

    /// <summary>Hue strength (turns).</summary>
    public double Hue { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        return ApplyToSubset(images, AllSamples(images), generator);
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        ApplyToSubsetInPlace(images, AllSamples(images), generator, allowCpuKernel: true);
    }

    /// <inheritdoc />
    Tensor ISubsetAugmentation.ApplyToSubset(Tensor images, IReadOnlyList<long> members, Generator generator) =>
        ApplyToSubset(images, members, generator);

    /// <inheritdoc />
    void ISubsetAugmentation.ApplyToSubsetInPlace(Tensor images, IReadOnlyList<long> members, Generator generator) =>
        ApplyToSubsetInPlace(images, members, generator, allowCpuKernel: true);

    /// <summary>
    /// The op on the samples <paramref name="members"/>; <paramref name="allowCpuKernel"/> false forces the
    /// tensor form on the CPU too (for tests comparing the two).
    /// </summary>
    internal Tensor ApplyToSubset(Tensor images, IReadOnlyList<long> members, Generator generator, bool allowCpuKernel = true)
    {
        var result = images.clone();
        ApplyToSubsetInPlace(result, members, generator, allowCpuKernel);
        return result;
    }

    private void ApplyToSubsetInPlace(Tensor images, IReadOnlyList<long> members, Generator generator, bool allowCpuKernel)
    {
        var m = members.Count;
        var grey = images.shape[1] == 1;

        // Draw everything first, whatever is enabled, so a seed gives the same stream for any settings.
        var order = DrawOrders(m, generator);
        var factors = new[]
        {
            RandomDraws.Uniform(m, Math.Max(0, 1 - Brightness), 1 + Brightness, generator),
            RandomDraws.Uniform(m, Math.Max(0, 1 - Contrast), 1 + Contrast, generator),
            RandomDraws.Uniform(m, Math.Max(0, 1 - Saturation), 1 + Saturation, generator),
            RandomDraws.Uniform(m, -Hue, Hue, generator),
        };
        var enabled = new[] { Brightness > 0, Contrast > 0, Saturation > 0 && !grey, Hue > 0 && !grey };

        if (allowCpuKernel && ColorJitterCpuKernel.CanRun(images))
        {
            var singleFactors = factors.Select(f => f.Select(v => (float)v).ToArray()).ToArray();
            ColorJitterCpuKernel.ApplyInPlace(images, members, order, singleFactors, enabled);
            return;
        }

        ApplyBatched(images, members, order, factors, enabled);
    }

    private static long[] AllSamples(Tensor images)
    {
        var all = new long[images.shape[0]];
        for (var i = 0; i < all.Length; i++)
            all[i] = i;
        return all;
    }

    /// <summary>
    /// The tensor form, in place on <paramref name="result"/>: for each position in the orders and each adjustment,
    /// one batched kernel call on the samples concerned.
    /// </summary>
    private static void ApplyBatched(Tensor result, IReadOnlyList<long> members, long[,] order, double[][] factors, bool[] enabled)
    {
        var m = members.Count;
        var images = result;
        Func<Tensor, Tensor, Tensor>[] kernels = [ColorKernels.Brightness, ColorKernels.Contrast, ColorKernels.Saturation, ColorKernels.Hue];
        for (var position = 0; position < Adjustments; position++)
        {
            for (var adjustment = 0; adjustment < Adjustments; adjustment++)
            {
                if (!enabled[adjustment])
                    continue;
                var samples = new List<long>();
                var sampleFactors = new List<double>();
                for (var j = 0; j < m; j++)
                {
                    if (order[j, position] != adjustment)
                        continue;
                    samples.Add(members[j]);
                    sampleFactors.Add(factors[adjustment][j]);
                }

                if (samples.Count == 0)
                    continue;
                using var adjustmentScope = torch.NewDisposeScope();
                var perSample = RandomDraws.PerSample(sampleFactors, images.device);
                if (samples.Count == images.shape[0])
                {
                    result.copy_(kernels[adjustment](result, perSample));
                    continue;
                }

                var index = RandomDraws.Indices(samples, images.device);
                var adjusted = kernels[adjustment](result.index_select(0, index), perSample);
                result.index_copy_(0, index, adjusted);
            }
        }
    }

    /// <summary>A random permutation of the four adjustments per sample (argsort of uniform keys).</summary>
    private static long[,] DrawOrders(long n, Generator generator)
    {
        var order = new long[n, Adjustments];
        if (n == 0)
            return order;
        using var keys = torch.rand([n, Adjustments], ScalarType.Float64, generator: generator);
        using var permutation = keys.argsort(1);
        var flat = permutation.data<long>().ToArray();
        for (var i = 0; i < n; i++)
            for (var p = 0; p < Adjustments; p++)
                order[i, p] = flat[i * Adjustments + p];
        return order;
    }
}
