using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Scan.Tests.Reliability;

/// <summary>
/// Writes PNGs row by row (any colour type and bit depth, a chosen filter per row), so a test can make a
/// 100-megapixel file without holding it in memory, and exercise every unfiltering path.
/// </summary>
internal static class TestPng
{
    /// <param name="path">The file to write.</param>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    /// <param name="colorType">0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.</param>
    /// <param name="bitDepth">Bits per sample.</param>
    /// <param name="row">Fills the raw (unfiltered) bytes of row y.</param>
    /// <param name="filter">The filter type (0-4) of row y.</param>
    /// <param name="palette">PLTE entries (RGB triples) for colour type 3.</param>
    public static void Write(string path, int width, int height, int colorType, int bitDepth, Action<int, byte[]> row,
        Func<int, int> filter, byte[]? palette = null)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int rowBytes = (int)(((long)width * channels * bitDepth + 7) / 8), stride = Math.Max(1, channels * bitDepth / 8);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        (ihdr[8], ihdr[9]) = ((byte)bitDepth, (byte)colorType);
        Chunk(file, "IHDR", ihdr);
        if (palette is not null)
            Chunk(file, "PLTE", palette);
        Chunk(file, "tEXt", "Comment\0skipped by the reader"u8.ToArray());
        using (var idat = new IdatWriter(file))
        using (var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            var previous = new byte[rowBytes];
            var current = new byte[rowBytes];
            var filtered = new byte[rowBytes + 1];
            for (int y = 0; y < height; y++)
            {
                row(y, current);
                int type = filter(y);
                filtered[0] = (byte)type;
                for (int i = 0; i < rowBytes; i++)
                {
                    int a = i >= stride ? current[i - stride] : 0, b = previous[i], c = i >= stride ? previous[i - stride] : 0;
                    int predictor = type switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) >> 1,
                        _ => Paeth(a, b, c),
                    };
                    filtered[i + 1] = (byte)(current[i] - predictor);
                }
                zlib.Write(filtered);
                (previous, current) = (current, previous);
            }
        }
        Chunk(file, "IEND", []);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void Chunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, header[4..]);
        var crc = new Crc32();
        crc.Append(header[4..]);
        crc.Append(data);
        output.Write(header);
        output.Write(data);
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, crc.GetCurrentHashAsUInt32());
        output.Write(sum);
    }

    /// <summary>Cuts what is written into IDAT chunks of up to 64 KiB.</summary>
    private sealed class IdatWriter(Stream output) : Stream
    {
        private readonly MemoryStream _buffer = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _buffer.Write(buffer);
            if (_buffer.Length >= 1 << 16)
                Emit();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _buffer.Length > 0)
                Emit();
            base.Dispose(disposing);
        }

        private void Emit()
        {
            Chunk(output, "IDAT", _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length));
            _buffer.SetLength(0);
        }
    }
}
