using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Cutout (DeVries and Taylor, 2017, arXiv 1708.04552): sets one square hole per sample to <see cref="Fill"/>. The
/// hole's centre is uniform over the pixels; the hole is clipped at the borders. SCAN's strong recipe ends with it.
/// </summary>
/// <remarks>
/// Side: <see cref="Size"/> pixels, or (null) half the shorter image side; with <see cref="RandomSize"/> the side is
/// drawn per sample uniformly from 1..side, as the SCAN authors' configs draw it (CIFAR: 1..16 on 32x32).
/// The hole covers rows [cy − side/2, cy − side/2 + side) (integer division), and likewise columns.
/// </remarks>
public sealed class Cutout : IInPlaceAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="size">Hole side (or largest side) in pixels, >= 1; null for half the shorter image side.</param>
    /// <param name="randomSize">Draw the side per sample uniformly from 1..size (the authors' setting) instead of using size.</param>
    /// <param name="fill">Value of the hole: 0 (after normalisation that is the dataset mean, as in the authors' recipe).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> below 1 or <paramref name="fill"/> not finite.</exception>
    public Cutout(int? size = null, bool randomSize = true, float fill = 0f)
    {
        if (size is { } s)
            Guard.Positive(s, nameof(size));
        if (!float.IsFinite(fill))
            throw new ArgumentOutOfRangeException(nameof(fill), fill, $"fill must be finite, got {fill}.");
        (Size, RandomSize, Fill) = (size, randomSize, fill);
    }

    /// <summary>Hole side (or largest side) in pixels; null for half the shorter image side.</summary>
    public int? Size { get; }

    /// <summary>Whether the side is drawn per sample from 1..side.</summary>
    public bool RandomSize { get; }

    /// <summary>Value written into the hole.</summary>
    public float Fill { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var result = images.clone();
        ((IInPlaceAugmentation)this).ApplyInPlace(result, generator);
        return result;
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var (n, h, w) = (images.shape[0], images.shape[2], images.shape[3]);
        var side = Size ?? Math.Max(1, Math.Min(h, w) / 2);
        var sides = RandomSize ? RandomDraws.Integers(n, 1, side + 1, generator) : Enumerable.Repeat((long)side, (int)n).ToArray();
        var centreY = RandomDraws.Integers(n, 0, h, generator);
        var centreX = RandomDraws.Integers(n, 0, w, generator);
        var top = new long[n];
        var left = new long[n];
        for (var i = 0; i < n; i++)
        {
            top[i] = centreY[i] - sides[i] / 2;
            left[i] = centreX[i] - sides[i] / 2;
        }

        if (CpuBatch.CanRun(images))
        {
            var (channels, height, width) = ((int)images.shape[1], (int)h, (int)w);
            var fill = Fill;
            CpuBatch.ForEachSample(images, (i, sample) => ImageOpsCpu.FillSquare(sample, channels, height, width, top[i], left[i], sides[i], fill));
            return;
        }

        CutoutHolesInPlace(images, top, left, sides, Fill);
    }

    /// <summary>Fills the square holes [top, top + side) x [left, left + side) (clipped) of each sample.</summary>
    internal static Tensor CutoutHoles(Tensor images, long[] top, long[] left, long[] sides, float fill)
    {
        var result = images.clone();
        CutoutHolesInPlace(result, top, left, sides, fill);
        return result;
    }

    private static void CutoutHolesInPlace(Tensor images, long[] top, long[] left, long[] sides, float fill)
    {
        var (n, h, w) = (images.shape[0], images.shape[2], images.shape[3]);
        using var scope = torch.NewDisposeScope();
        var device = images.device;
        var rows = torch.arange(h, ScalarType.Int64, device).view(1, h);
        var cols = torch.arange(w, ScalarType.Int64, device).view(1, w);
        var t = torch.tensor(top, [n, 1], ScalarType.Int64).to(device);
        var l = torch.tensor(left, [n, 1], ScalarType.Int64).to(device);
        var s = torch.tensor(sides, [n, 1], ScalarType.Int64).to(device);
        var inRows = rows.ge(t).logical_and_(rows.lt(t + s));
        var inCols = cols.ge(l).logical_and_(cols.lt(l + s));
        var hole = inRows.view(n, 1, h, 1).logical_and(inCols.view(n, 1, 1, w)).to_type(ScalarType.Float32);
        // Multiplying by a 0/1 mask is exact and much faster than masked_fill on the CPU.
        images.mul_(hole.neg().add_(1));
        if (fill != 0f)
            images.add_(hole.mul_(fill));
    }
}
