using System.Buffers.Binary;
using System.IO.Compression;

namespace Scan.Core.Data;

/// <summary>
/// Reads files in the IDX format of LeCun's MNIST (also Fashion-MNIST's): a big-endian magic number 0x0000TTDD
/// (TT = element type, 0x08 for unsigned bytes; DD = number of dimensions), DD big-endian int32 sizes, then the
/// elements in row-major order. Files may be gzip-compressed (recognised by content, not name).
/// </summary>
internal static class IdxReader
{
    private const int UnsignedByteImages = 0x00000803;
    private const int UnsignedByteLabels = 0x00000801;

    /// <summary>
    /// Opens an images file (count, rows, columns): a raw file is memory-mapped; a .gz file is decompressed once into
    /// a compact byte array.
    /// </summary>
    public static PixelSource OpenImages(string path, out int height, out int width)
    {
        using var file = OpenFile(path, "IDX images");
        if (IsGzip(file))
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var dims = ReadHeader(gzip, path, UnsignedByteImages, "unsigned bytes in 3 dimensions: images, rows, columns");
            (int count, height, width) = ImageDims(dims, path);
            long expected = (long)count * height * width;
            if (expected > Array.MaxLength)
                throw new InvalidDataException($"'{path}' declares {count} images of {height}x{width} pixels, {expected} bytes: more than one array can hold.");
            CheckCompressedSize(file.Length, expected, HeaderBytes(dims), $"{count} images of {height}x{width} pixels", path);
            var pixels = new byte[expected];
            long found = ReadAll(gzip, pixels, path);
            if (found != expected)
                throw SizeMismatch(path, HeaderBytes(dims), $"{count} images of {height}x{width} pixels", expected, found, "decompressed ");
            return new ArrayPixelSource(pixels, count, height * width);
        }
        else
        {
            var dims = ReadHeader(file, path, UnsignedByteImages, "unsigned bytes in 3 dimensions: images, rows, columns");
            (int count, height, width) = ImageDims(dims, path);
            long expected = (long)count * height * width, found = file.Length - HeaderBytes(dims);
            if (found != expected)
                throw SizeMismatch(path, HeaderBytes(dims), $"{count} images of {height}x{width} pixels", expected, found, "");
            return MappedPixelSource.Open(path, HeaderBytes(dims), height * width, height * width, count);
        }
    }

    /// <summary>Reads a labels file (count) into one int per label.</summary>
    public static int[] ReadLabels(string path)
    {
        using var file = OpenFile(path, "IDX labels");
        bool compressed = IsGzip(file);
        using Stream stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        var dims = ReadHeader(stream, path, UnsignedByteLabels, "unsigned bytes in 1 dimension: labels");
        int count = dims[0];
        if (compressed)
            CheckCompressedSize(file.Length, count, HeaderBytes(dims), $"{count} labels", path);
        else if (file.Length - HeaderBytes(dims) != count)
            throw SizeMismatch(path, HeaderBytes(dims), $"{count} labels", count, file.Length - HeaderBytes(dims), "");
        var bytes = new byte[count];
        long found = ReadAll(stream, bytes, path);
        if (found != count)
            throw SizeMismatch(path, HeaderBytes(dims), $"{count} labels", count, found, compressed ? "decompressed " : "");
        return Array.ConvertAll(bytes, b => (int)b);
    }

    private static FileStream OpenFile(string path, string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{kind} file '{path}' not found.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    /// <summary>True when the file starts with gzip's magic bytes 1F 8B (RFC 1952); leaves the position at 0.</summary>
    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedMagic, string meaning)
    {
        Span<byte> word = stackalloc byte[4];
        int read = ReadSome(stream, word, path);
        if (read < 4)
            throw new InvalidDataException($"'{path}' is truncated: {read} bytes, shorter than the 4-byte IDX magic number 0x{expectedMagic:X8}.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
            throw new InvalidDataException(
                $"'{path}' is not the IDX file expected: its magic number is 0x{magic:X8}, expected 0x{expectedMagic:X8} ({meaning}).");

        var dims = new int[expectedMagic & 0xFF];
        for (int d = 0; d < dims.Length; d++)
        {
            if (ReadSome(stream, word, path) < 4)
                throw new InvalidDataException($"'{path}' is truncated inside its {HeaderBytes(dims)}-byte IDX header.");
            uint size = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (size > int.MaxValue)
                throw new InvalidDataException($"'{path}' declares dimension {d} of size {size}; expected at most {int.MaxValue}.");
            dims[d] = (int)size;
        }

        return dims;
    }

    private static (int Count, int Height, int Width) ImageDims(int[] dims, string path)
    {
        if (dims[1] < 1 || dims[2] < 1)
            throw new InvalidDataException($"'{path}' declares images of {dims[1]}x{dims[2]} pixels; expected at least 1x1.");
        if ((long)dims[1] * dims[2] > int.MaxValue)
            throw new InvalidDataException($"'{path}' declares images of {dims[1]}x{dims[2]} pixels; expected fewer than 2^31 pixels per image.");
        return (dims[0], dims[1], dims[2]);
    }

    private static int HeaderBytes(int[] dims) => 4 + 4 * dims.Length;

    /// <summary>
    /// Rejects a header that declares more data than the compressed file could possibly hold, before allocating for
    /// it: deflate expands at most 1032 to 1 (zlib's technical notes), so a corrupt size cannot cost gigabytes.
    /// </summary>
    private static void CheckCompressedSize(long compressedBytes, long declaredBytes, int headerBytes, string declared, string path)
    {
        const long MaxDeflateRatio = 1032;
        if (declaredBytes > compressedBytes * MaxDeflateRatio)
            throw new InvalidDataException(
                $"'{path}' is truncated: its IDX header declares {declared}, {declaredBytes} bytes after the {headerBytes}-byte header, " +
                $"more than its {compressedBytes} compressed bytes can hold.");
    }

    /// <summary>Fills <paramref name="buffer"/> and counts any bytes beyond it, so a wrong size is reported exactly.</summary>
    private static long ReadAll(Stream stream, byte[] buffer, string path)
    {
        long total = 0;
        while (total < buffer.LongLength)
        {
            int read = ReadSome(stream, buffer.AsSpan((int)total, (int)Math.Min(buffer.LongLength - total, 1 << 20)), path);
            if (read == 0)
                return total;
            total += read;
        }

        Span<byte> rest = stackalloc byte[4096];
        for (int read; (read = ReadSome(stream, rest, path)) > 0;)
            total += read;
        return total;
    }

    private static int ReadSome(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
    }

    private static InvalidDataException SizeMismatch(string path, int headerBytes, string declared, long expected, long found, string qualifier) =>
        new(found < expected
            ? $"'{path}' is truncated: its IDX header declares {declared}, {expected} bytes after the {headerBytes}-byte header, but only {found} {qualifier}bytes follow."
            : $"'{path}' is longer than its IDX header declares: {declared} need {expected} bytes after the {headerBytes}-byte header, found {found} {qualifier}bytes.");
}
