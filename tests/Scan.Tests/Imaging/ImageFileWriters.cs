using System.Buffers.Binary;
using SkiaSharp;

namespace Scan.Tests.Imaging;

/// <summary>
/// Encoders for test images. BMP and GIF are built byte by byte from the format specifications (SkiaSharp cannot
/// encode them, and a hand-built file checks the decoder independently); PNG, JPEG and WebP go through SkiaSharp.
/// Pixels are given row-major as (R, G, B) triples.
/// </summary>
internal static class ImageFileWriters
{
    public static byte[] Encode(SKEncodedImageFormat format, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }

        using var data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"SkiaSharp cannot encode {format}.");
        return data.ToArray();
    }

    /// <summary>24-bit BMP: BITMAPFILEHEADER (14 bytes), BITMAPINFOHEADER (40 bytes), rows bottom-up in BGR order,
    /// each padded to a multiple of 4 bytes.</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        int rowBytes = (width * 3 + 3) / 4 * 4, size = 54 + rowBytes * height;
        var bytes = new byte[size];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), size);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height); // positive: bottom-up
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1); // planes
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24); // bits per pixel
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), rowBytes * height);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * rowBytes;
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bytes[row + 3 * x] = b;
                bytes[row + 3 * x + 1] = g;
                bytes[row + 3 * x + 2] = r;
            }
        }

        return bytes;
    }

    /// <summary>
    /// GIF89a with a 4-colour global palette and one image per frame (palette indices, row-major). The LZW data is
    /// written "uncompressed": a clear code before every second pixel keeps the code width at 3 bits, which every
    /// decoder accepts.
    /// </summary>
    public static byte[] Gif(int width, int height, (byte R, byte G, byte B)[] palette, params byte[][] frames)
    {
        if (palette.Length != 4)
            throw new ArgumentException("Expected 4 palette colours.", nameof(palette));
        var bytes = new List<byte>("GIF89a"u8.ToArray());
        AddUInt16(bytes, width);
        AddUInt16(bytes, height);
        bytes.AddRange([0x91, 0, 0]); // global colour table of 2^(1+1) = 4 entries, 2-bit colour resolution
        foreach (var (r, g, b) in palette)
            bytes.AddRange([r, g, b]);
        foreach (var frame in frames)
        {
            bytes.AddRange([0x21, 0xF9, 4, 0, 10, 0, 0, 0]); // graphic control: 0.1 s delay, no transparency
            bytes.Add(0x2C);
            AddUInt16(bytes, 0);
            AddUInt16(bytes, 0);
            AddUInt16(bytes, width);
            AddUInt16(bytes, height);
            bytes.Add(0); // no local colour table, not interlaced
            bytes.Add(2); // LZW minimum code size: clear = 4, end = 5, 3-bit codes
            var codes = new List<int>();
            for (int i = 0; i < frame.Length; i++)
            {
                if (i % 2 == 0)
                    codes.Add(4);
                codes.Add(frame[i]);
            }

            codes.Add(5);
            var packed = new byte[(codes.Count * 3 + 7) / 8];
            for (int i = 0; i < codes.Count; i++)
                for (int bit = 0; bit < 3; bit++)
                    if ((codes[i] >> bit & 1) != 0)
                        packed[(i * 3 + bit) / 8] |= (byte)(1 << ((i * 3 + bit) % 8));
            foreach (var block in packed.Chunk(255))
            {
                bytes.Add((byte)block.Length);
                bytes.AddRange(block);
            }

            bytes.Add(0);
        }

        bytes.Add(0x3B);
        return bytes.ToArray();
    }

    private static void AddUInt16(List<byte> bytes, int value)
    {
        bytes.Add((byte)value);
        bytes.Add((byte)(value >> 8));
    }
}
