namespace Scan.Core.Data;

/// <summary>
/// Where a dataset's 8-bit pixels live: a compact byte array or a file read as batches need it. Each image is a run of
/// <see cref="ImageBytes"/> bytes; reading is thread-safe.
/// </summary>
internal abstract class PixelSource : IDisposable
{
    protected PixelSource(int count, int imageBytes)
    {
        Count = count;
        ImageBytes = imageBytes;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Bytes per image (C·H·W).</summary>
    public int ImageBytes { get; }

    /// <summary>Copies image <paramref name="index"/> (0 ≤ index &lt; Count, checked by the caller) into
    /// <paramref name="destination"/>, which holds exactly <see cref="ImageBytes"/> bytes.</summary>
    public abstract void CopyImage(int index, Span<byte> destination);

    /// <summary>The bytes of image <paramref name="index"/>: a view of the stored bytes when the source can give
    /// one, else <paramref name="scratch"/> (<see cref="ImageBytes"/> long) filled by <see cref="CopyImage"/>.</summary>
    public virtual ReadOnlySpan<byte> ReadImage(int index, Span<byte> scratch)
    {
        CopyImage(index, scratch);
        return scratch;
    }

    public virtual void Dispose()
    {
    }
}
