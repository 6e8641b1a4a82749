namespace Scan.Core.Data;

/// <summary>Images stored back to back in one byte array (e.g. a decompressed .gz file or decoded image folder).</summary>
internal sealed class ArrayPixelSource : PixelSource
{
    private readonly byte[] _pixels;

    public ArrayPixelSource(byte[] pixels, int count, int imageBytes)
        : base(count, imageBytes)
    {
        if (pixels.LongLength != (long)count * imageBytes)
            throw new ArgumentException($"Expected {(long)count * imageBytes} bytes for {count} images of {imageBytes} bytes, got {pixels.LongLength}.", nameof(pixels));
        _pixels = pixels;
    }

    public override void CopyImage(int index, Span<byte> destination) => ReadImage(index, default).CopyTo(destination);

    public override ReadOnlySpan<byte> ReadImage(int index, Span<byte> scratch) =>
        _pixels.AsSpan((int)((long)index * ImageBytes), ImageBytes);
}
