using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Scan.Core.Data;

/// <summary>
/// Reads a non-interlaced PNG row by row (zlib inflate, unfilter, expand to RGBA8888) and hands each row to a
/// <see cref="BoxReducer"/>: what <see cref="ImageDecoder"/> uses for PNGs too large to decode whole, since SkiaSharp
/// 3.119's PNG codec has neither scaled nor scanline decoding (a 100-megapixel PNG needs 400 MB as RGBA there).
/// Memory: two rows of the file's pixel format and one RGBA row.
/// </summary>
/// <remarks>
/// Every colour type and bit depth of the PNG specification (11.2.2): grayscale 1/2/4/8/16, RGB 8/16, palette
/// 1/2/4/8, grayscale with alpha 8/16, RGBA 8/16. Sixteen-bit samples keep their high byte; sub-byte grayscale is
/// scaled to 0-255 as libpng expands it. Colour is taken as stored (no gamma or ICC conversion, as the SkiaSharp
/// path decodes without a colour space). The IHDR, PLTE and IDAT CRCs are checked; ancillary chunks are skipped.
/// Interlaced (Adam7) images are not handled here (<see cref="CanStream"/> is false).
/// </remarks>
internal static class PngRowDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The IHDR fields.</summary>
    public readonly record struct Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
    {
        public int Channels => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

        public int RowBytes => (int)(((long)Width * Channels * BitDepth + 7) / 8);

        public int FilterStride => Math.Max(1, Channels * BitDepth / 8);
    }

    /// <summary>The header of a PNG from its first 33 bytes (signature and IHDR), or null if they are not one.</summary>
    public static Header? ReadHeader(ReadOnlySpan<byte> start)
    {
        if (start.Length < 33 || !start[..8].SequenceEqual(Signature) || BinaryPrimitives.ReadUInt32BigEndian(start[8..]) != 13
            || !start.Slice(12, 4).SequenceEqual("IHDR"u8))
            return null;
        uint width = BinaryPrimitives.ReadUInt32BigEndian(start[16..]), height = BinaryPrimitives.ReadUInt32BigEndian(start[20..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
            return null;
        return new Header((int)width, (int)height, start[24], start[25], start[28] != 0);
    }

    /// <summary>True for the colour type and bit depth pairs of the specification, non-interlaced, standard
    /// compression and filter methods.</summary>
    public static bool CanStream(Header h) => !h.Interlaced && (h.ColorType, h.BitDepth) switch
    {
        (0, 1 or 2 or 4 or 8 or 16) => true,
        (3, 1 or 2 or 4 or 8) => true,
        (2 or 4 or 6, 8 or 16) => true,
        _ => false,
    };

    /// <summary>
    /// Decodes the PNG in <paramref name="stream"/> (positioned at its signature) into <paramref name="reducer"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is damaged or truncated; the message names
    /// <paramref name="source"/>.</exception>
    public static void Decode(Stream stream, string source, BoxReducer reducer)
    {
        Span<byte> start = stackalloc byte[33];
        stream.ReadExactly(start);
        var header = ReadHeader(start) ?? throw Damaged(source, "the signature or IHDR chunk is invalid");
        if (!CanStream(header))
            throw new ArgumentException($"'{source}' is interlaced or has an unsupported format.", nameof(stream));
        if (start[26] != 0 || start[27] != 0)
            throw Damaged(source, "unknown compression or filter method");
        if (Crc32.HashToUInt32(start.Slice(12, 17)) != BinaryPrimitives.ReadUInt32BigEndian(start[29..]))
            throw Damaged(source, "the IHDR chunk's CRC does not match");

        try
        {
            using var idat = new IdatStream(stream, source);
            byte[]? palette = idat.Palette;
            if (header.ColorType == 3 && palette is null)
                throw Damaged(source, "a palette image has no PLTE chunk");

            int rowBytes = header.RowBytes, stride = header.FilterStride;
            var previous = new byte[rowBytes];
            var current = new byte[rowBytes + 1];
            var rgba = new byte[checked(header.Width * 4)];
            using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
            for (int y = 0; y < header.Height; y++)
            {
                inflater.ReadExactly(current);
                var row = current.AsSpan(1);
                Unfilter(current[0], row, previous, stride, source, y);
                if (reducer.Wants(y))
                {
                    Expand(header, row, palette, rgba);
                    reducer.Add(y, rgba);
                }
                row.CopyTo(previous);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException(
                $"Cannot decode '{source}': the PNG data of a {header.Width}x{header.Height} image is incomplete (the pixel data ends early).", e);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            // zlib's own complaint (a bad block or checksum) names no file.
            throw new InvalidDataException($"Cannot decode '{source}': the PNG pixel data is corrupt ({e.Message}).", e);
        }
    }

    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int stride, string source, int y)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = stride; i < row.Length; i++)
                    row[i] += row[i - stride];
                break;
            case 2:
                for (int i = 0; i < row.Length; i++)
                    row[i] += previous[i];
                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= stride ? row[i - stride] : 0) + previous[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= stride ? row[i - stride] : 0, b = previous[i], c = i >= stride ? previous[i - stride] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                break;
            default:
                throw Damaged(source, $"row {y} has filter type {filter}; expected 0-4");
        }
    }

    /// <summary>One unfiltered row to RGBA8888.</summary>
    private static void Expand(Header h, ReadOnlySpan<byte> row, byte[]? palette, Span<byte> rgba)
    {
        int width = h.Width;
        int step = h.BitDepth == 16 ? 2 : 1; // 16-bit samples: the high byte comes first
        switch (h.ColorType)
        {
            case 0 when h.BitDepth < 8:
            case 3:
                int bits = h.BitDepth, perByte = 8 / bits, mask = (1 << bits) - 1, scale = 255 / mask;
                for (int x = 0; x < width; x++)
                {
                    int value = (row[x / perByte] >> (8 - bits - (x % perByte) * bits)) & mask;
                    if (h.ColorType == 0)
                    {
                        byte v = (byte)(value * scale);
                        (rgba[4 * x], rgba[4 * x + 1], rgba[4 * x + 2], rgba[4 * x + 3]) = (v, v, v, 255);
                    }
                    else
                    {
                        // An index past the palette is black, as libpng treats it.
                        bool inside = 3 * value + 2 < palette!.Length;
                        rgba[4 * x] = inside ? palette[3 * value] : (byte)0;
                        rgba[4 * x + 1] = inside ? palette[3 * value + 1] : (byte)0;
                        rgba[4 * x + 2] = inside ? palette[3 * value + 2] : (byte)0;
                        rgba[4 * x + 3] = 255;
                    }
                }
                break;
            case 0:
                for (int x = 0; x < width; x++)
                {
                    byte v = row[x * step];
                    (rgba[4 * x], rgba[4 * x + 1], rgba[4 * x + 2], rgba[4 * x + 3]) = (v, v, v, 255);
                }
                break;
            case 4:
                for (int x = 0; x < width; x++)
                {
                    byte v = row[2 * x * step];
                    (rgba[4 * x], rgba[4 * x + 1], rgba[4 * x + 2], rgba[4 * x + 3]) = (v, v, v, row[(2 * x + 1) * step]);
                }
                break;
            case 2:
                for (int x = 0; x < width; x++)
                {
                    rgba[4 * x] = row[3 * x * step];
                    rgba[4 * x + 1] = row[(3 * x + 1) * step];
                    rgba[4 * x + 2] = row[(3 * x + 2) * step];
                    rgba[4 * x + 3] = 255;
                }
                break;
            default:
                if (step == 1)
                {
                    row[..(4 * width)].CopyTo(rgba);
                    break;
                }
                for (int i = 0; i < 4 * width; i++)
                    rgba[i] = row[2 * i];
                break;
        }
    }

    private static InvalidDataException Damaged(string source, string what) =>
        new($"Cannot decode '{source}': the PNG data is corrupt ({what}).");

    /// <summary>
    /// The concatenated data of the IDAT chunks, each CRC-checked once read, after the chunks before them (the PLTE
    /// kept, the rest skipped).
    /// </summary>
    private sealed class IdatStream : Stream
    {
        private readonly Stream _inner;
        private readonly string _source;
        private readonly byte[] _chunkHeader = new byte[8];
        private long _remaining;
        private bool _ended;
        private Crc32 _crc = new();

        public IdatStream(Stream inner, string source)
        {
            (_inner, _source) = (inner, source);
            while (true)
            {
                var (length, type) = NextChunk();
                if (type == "IDAT")
                {
                    _remaining = length;
                    break;
                }
                if (type == "IEND")
                    throw Damaged(source, "there is no IDAT chunk");
                if (type == "PLTE")
                {
                    if (length % 3 != 0 || length > 768)
                        throw Damaged(source, $"the PLTE chunk holds {length} bytes; expected a multiple of 3 up to 768");
                    var data = new byte[length];
                    _inner.ReadExactly(data);
                    _crc.Append(data);
                    CheckCrc("PLTE");
                    Palette = data;
                    continue;
                }
                Skip(length + 4);
            }
        }

        public byte[]? Palette { get; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_remaining == 0 && !_ended)
            {
                CheckCrc("IDAT");
                var (length, type) = NextChunk();
                if (type != "IDAT")
                    _ended = true; // the pixel data ends here; if inflation needs more, it reports the truncation
                else
                    _remaining = length;
            }
            if (_ended || buffer.IsEmpty)
                return 0;
            int read = _inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
            if (read == 0)
                throw new EndOfStreamException($"'{_source}' ends inside an IDAT chunk.");
            _crc.Append(buffer[..read]);
            _remaining -= read;
            return read;
        }

        private (long Length, string Type) NextChunk()
        {
            _inner.ReadExactly(_chunkHeader);
            long length = BinaryPrimitives.ReadUInt32BigEndian(_chunkHeader);
            if (length > int.MaxValue)
                throw Damaged(_source, $"a chunk declares {length} bytes");
            _crc.Reset();
            _crc.Append(_chunkHeader.AsSpan(4));
            return (length, System.Text.Encoding.ASCII.GetString(_chunkHeader, 4, 4));
        }

        private void CheckCrc(string type)
        {
            Span<byte> stored = stackalloc byte[4];
            _inner.ReadExactly(stored);
            if (BinaryPrimitives.ReadUInt32BigEndian(stored) != _crc.GetCurrentHashAsUInt32())
                throw Damaged(_source, $"a {type} chunk's CRC does not match");
        }

        private void Skip(long count)
        {
            if (_inner.CanSeek)
            {
                if (_inner.Position + count > _inner.Length)
                    throw new EndOfStreamException($"'{_source}' ends inside a chunk.");
                _inner.Seek(count, SeekOrigin.Current);
                return;
            }
            Span<byte> scratch = stackalloc byte[4096];
            while (count > 0)
            {
                int read = _inner.Read(scratch[..(int)Math.Min(count, scratch.Length)]);
                if (read == 0)
                    throw new EndOfStreamException($"'{_source}' ends inside a chunk.");
                count -= read;
            }
        }
    }
}
