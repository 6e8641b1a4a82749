namespace Scan.Core.Data;

/// <summary>Several sources of equally sized images read as one (e.g. CIFAR-10's five training batches). Owns its parts.</summary>
internal sealed class ConcatPixelSource : PixelSource
{
    private readonly PixelSource[] _owned;
    private readonly PixelSource[] _nonEmpty;
    private readonly int[] _starts; // strictly increasing: _starts[i] is the first index of _nonEmpty[i]

    private ConcatPixelSource(PixelSource[] owned, int count)
        : base(count, owned[0].ImageBytes)
    {
        _owned = owned;
        _nonEmpty = owned.Where(p => p.Count > 0).ToArray();
        _starts = new int[_nonEmpty.Length];
        for (int i = 1; i < _nonEmpty.Length; i++)
            _starts[i] = _starts[i - 1] + _nonEmpty[i - 1].Count;
    }

    /// <summary>One source for all <paramref name="parts"/>, in order; a single part is returned as is.</summary>
    public static PixelSource Of(IReadOnlyList<PixelSource> parts)
    {
        if (parts.Count == 0)
            throw new ArgumentException("Expected at least one part.", nameof(parts));
        if (parts.Count == 1)
            return parts[0];
        long total = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            if (parts[i].ImageBytes != parts[0].ImageBytes)
                throw new ArgumentException($"Part {i} has {parts[i].ImageBytes}-byte images; part 0 has {parts[0].ImageBytes}.", nameof(parts));
            total += parts[i].Count;
        }

        if (total > int.MaxValue)
            throw new ArgumentException($"The parts hold {total} images together; at most {int.MaxValue} are supported.", nameof(parts));
        return new ConcatPixelSource(parts.ToArray(), (int)total);
    }

    public override void CopyImage(int index, Span<byte> destination)
    {
        int part = PartOf(index);
        _nonEmpty[part].CopyImage(index - _starts[part], destination);
    }

    public override ReadOnlySpan<byte> ReadImage(int index, Span<byte> scratch)
    {
        int part = PartOf(index);
        return _nonEmpty[part].ReadImage(index - _starts[part], scratch);
    }

    private int PartOf(int index)
    {
        int part = Array.BinarySearch(_starts, index);
        return part >= 0 ? part : ~part - 1;
    }

    public override void Dispose()
    {
        foreach (var part in _owned)
            part.Dispose();
    }
}
