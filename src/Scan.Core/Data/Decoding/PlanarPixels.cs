using SkiaSharp;

namespace Scan.Core.Data;

/// <summary>Converts interleaved RGBA bitmaps to channel-by-channel (C, H, W) bytes.</summary>
internal static class PlanarPixels
{
    /// <summary>Writes <paramref name="bitmap"/> (RGBA8888) as (C, H, W) bytes into <paramref name="destination"/>.</summary>
    public static void Write(SKBitmap bitmap, ColorMode mode, Span<byte> destination)
    {
        if (bitmap.ColorType != SKColorType.Rgba8888)
            throw new ArgumentException($"Expected an RGBA8888 bitmap, got {bitmap.ColorType}.", nameof(bitmap));
        int width = bitmap.Width, height = bitmap.Height, plane = width * height, rowBytes = bitmap.RowBytes;
        int expected = mode.Channels() * plane;
        if (destination.Length != expected)
            throw new ArgumentException($"Destination holds {destination.Length} bytes; expected {expected}.", nameof(destination));

        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
        {
            var row = rgba.Slice(y * rowBytes, width * 4);
            int o = y * width;
            if (mode == ColorMode.Rgb)
            {
                for (int x = 0; x < width; x++)
                {
                    destination[o + x] = row[4 * x];
                    destination[plane + o + x] = row[4 * x + 1];
                    destination[2 * plane + o + x] = row[4 * x + 2];
                }
            }
            else
            {
                for (int x = 0; x < width; x++)
                    destination[o + x] = Luma(row[4 * x], row[4 * x + 1], row[4 * x + 2]);
            }
        }
    }

    /// <summary>
    /// ITU-R 601-2 luma in Pillow's 16-bit fixed point (Pillow's Convert.c, L24): 19595, 38470 and 7471 are
    /// 0.299, 0.587 and 0.114 times 65536, and 0x8000 rounds to nearest.
    /// </summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}
