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
    /// Opens an images file (count, rows, columns): a raw file is read as batches need it (FilePixelSource); a .gz file is decompressed once into
    /// a compact byte array.
    /// </summary>
    public static PixelSource OpenImages(string path, out int height, out int width)
    {
        using var file = OpenFile(path, "IDX images");
        if (IsGzip(file, out uint trailerLength))
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var dims = ReadHeader(gzip, path, UnsignedByteImages, "unsigned bytes in 3 dimensions: images, rows, columns");
            (int count, height, width) = ImageDims(dims, path);
            long expected = (long)count * height * width;
            if (expected > Array.MaxLength)
                throw new InvalidDataException($"'{path}' declares {count} images of {height}x{width} pixels, {expected} bytes: more than one array can hold.");
            CheckCompressedSize(file.Length, expected, HeaderBytes(dims), $"{count} images of {height}x{width} pixels", path);
            var (pixels, found) = ReadDecompressed(gzip, expected, trailerLength == (uint)(HeaderBytes(dims) + expected), path);
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
            return FilePixelSource.Open(path, HeaderBytes(dims), height * width, height * width, count);
        }
    }

    /// <summary>Reads a labels file (count) into one int per label.</summary>
    public static int[] ReadLabels(string path)
    {
        using var file = OpenFile(path, "IDX labels");
        bool compressed = IsGzip(file, out uint trailerLength);
        using Stream stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        var dims = ReadHeader(stream, path, UnsignedByteLabels, "unsigned bytes in 1 dimension: labels");
        int count = dims[0];
        if (compressed)
            CheckCompressedSize(file.Length, count, HeaderBytes(dims), $"{count} labels", path);
        else if (file.Length - HeaderBytes(dims) != count)
            throw SizeMismatch(path, HeaderBytes(dims), $"{count} labels", count, file.Length - HeaderBytes(dims), "");
        // A raw file's length was checked above, so its count can be trusted; a compressed one's cannot yet.
        var (bytes, found) = ReadDecompressed(stream, count, !compressed || trailerLength == (uint)(HeaderBytes(dims) + count), path);
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

    /// <summary>
    /// True when the file starts with gzip's magic bytes 1F 8B (RFC 1952); then <paramref name="trailerLength"/> is the
    /// ISIZE field of the trailer, the uncompressed length modulo 2^32 (of the last member only, in a multi-member
    /// file, so it is a hint, never a check). Leaves the position at 0.
    /// </summary>
    private static bool IsGzip(FileStream file, out uint trailerLength)
    {
        trailerLength = 0;
        Span<byte> magic = stackalloc byte[4];
        int read = file.ReadAtLeast(magic[..2], 2, throwOnEndOfStream: false);
        bool gzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        if (gzip && file.Length >= 18) // 10-byte header, empty deflate data, 8-byte trailer
        {
            file.Position = file.Length - 4;
            file.ReadExactly(magic);
            trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(magic);
        }

        file.Position = 0;
        return gzip;
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

    /// <summary>
    /// Reads the <paramref name="expected"/> bytes after the header and counts any beyond them, so a wrong size is
    /// reported exactly: returns the data (complete when <c>Found == expected</c>) and the count found. Unless
    /// <paramref name="sizeConfirmed"/>, the buffer starts at 1 MiB and doubles as data arrives instead of being
    /// sized by the header, so a corrupted count (a header claiming 2^31 bytes in a small file) costs memory only for
    /// the bytes really there. A valid gzip file whose trailer agrees with its header is read into one allocation.
    /// </summary>
    private static (byte[] Data, long Found) ReadDecompressed(Stream stream, long expected, bool sizeConfirmed, string path)
    {
        const int FirstBuffer = 1 << 20;
        var data = new byte[sizeConfirmed ? expected : Math.Min(expected, FirstBuffer)];
        long total = 0;
        while (total < expected)
        {
            if (total == data.LongLength)
                Array.Resize(ref data, (int)Math.Min(expected, 2 * data.LongLength));
            int read = ReadSome(stream, data.AsSpan((int)total, (int)Math.Min(data.LongLength - total, 1 << 20)), path);
            if (read == 0)
                return (data, total);
            total += read;
        }

        Span<byte> rest = stackalloc byte[4096];
        for (int read; (read = ReadSome(stream, rest, path)) > 0;)
            total += read;
        return (data, total);
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
