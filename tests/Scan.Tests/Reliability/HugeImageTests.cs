using Scan.Core.Data;
using Scan.ReliabilityHost;
using SkiaSharp;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Huge but legal images (issue 18, item 2): decoded to a small size without holding them whole as RGBA, and with the
/// pixels a box average of the full-size image gives.
/// </summary>
public sealed class HugeImageTests(ITestOutputHelper output) : IDisposable
{
    private const int Side = 10_000; // 100 megapixels, 400 MB as RGBA
    private const long PeakRssLimitKilobytes = 1024 * 1024;
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Quadrant colours of the huge images: top-left, top-right, bottom-left, bottom-right.</summary>
    private static readonly byte[][] Quadrants = [[200, 30, 40], [20, 180, 60], [50, 70, 220], [240, 230, 10]];

    [Fact]
    public async Task Four_100_megapixel_pngs_decode_to_32x32_in_a_process_whose_peak_RSS_stays_under_1_GB()
    {
        // RGB, RGBA, gray and palette files, the quadrants in colour (gray: the red value as the level).
        string folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "huge")).FullName;
        var palette = Quadrants.SelectMany(q => q).ToArray();
        var kinds = new (string Name, int ColorType, int Channels)[] { ("a-rgb", 2, 3), ("b-rgba", 6, 4), ("c-gray", 0, 1), ("d-palette", 3, 1) };
        foreach (var (name, colorType, channels) in kinds)
        {
            // Two rows, one for each half, copied into every row.
            var halves = new byte[2][];
            for (int half = 0; half < 2; half++)
            {
                halves[half] = new byte[Side * channels];
                for (int x = 0; x < Side; x++)
                {
                    int q = 2 * half + (x < Side / 2 ? 0 : 1);
                    var c = Quadrants[q];
                    byte[] pixel = colorType switch
                    {
                        2 => c,
                        6 => [c[0], c[1], c[2], 255],
                        0 => [c[0]],
                        _ => [(byte)q],
                    };
                    pixel.CopyTo(halves[half], x * channels);
                }
            }
            TestPng.Write(Path.Combine(folder, name + ".png"), Side, Side, colorType, 8,
                (y, row) => halves[y < Side / 2 ? 0 : 1].CopyTo(row, 0), y => y % 5, colorType == 3 ? palette : null);
        }

        kinds.Length.Should().Be(ReliabilityCaseCounts.HugePngImages);
        // Four decoding threads whatever the core count, so today's full-size decode needs 4 x 400 MB at once.
        using var host = HostProcess.Start(new HostSettings { Mode = "decode", WriteDirectory = folder, Size = 32, Threads = 4 });
        int exit = await host.WaitForExitAsync();
        string? error = host.Seen.FirstOrDefault(l => l.StartsWith("error ", StringComparison.Ordinal));
        exit.Should().Be(0, $"the folder must decode: {error}{host.Stderr}");
        long peak = long.Parse(host.Seen.Single(l => l.StartsWith("vmhwm ", StringComparison.Ordinal))["vmhwm ".Length..]);
        output.WriteLine($"4 PNGs of {Side}x{Side} to 32x32 with 4 threads: peak RSS (VmHWM) {peak / 1024} MB");
        peak.Should().BeLessThan(PeakRssLimitKilobytes, "decoding to 32x32 must not hold four 400 MB images");

        var pixels = Convert.FromBase64String(host.Seen.Single(l => l.StartsWith("decoded ", StringComparison.Ordinal)).Split(' ')[2]);
        pixels.Length.Should().Be(4 * 3 * 32 * 32);
        for (int image = 0; image < 4; image++)
        for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
        {
            var c = Quadrants[(y < 16 ? 0 : 2) + (x < 16 ? 0 : 1)];
            var expected = kinds[image].ColorType == 0 ? [c[0], c[0], c[0]] : c;
            for (int k = 0; k < 3; k++)
                pixels[image * 3072 + k * 1024 + y * 32 + x].Should().Be(expected[k], $"image {kinds[image].Name}, channel {k} at ({x}, {y})");
        }
    }

    public static TheoryData<int, int> PngFormats() => new()
    {
        { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 }, { 2, 16 }, { 3, 1 }, { 3, 2 }, { 3, 4 }, { 3, 8 },
        { 4, 8 }, { 4, 16 }, { 6, 8 }, { 6, 16 },
    };

    [Theory]
    [MemberData(nameof(PngFormats))]
    public void The_png_row_reader_gives_the_box_average_of_SkiaSharps_full_decode_for_every_colour_type_and_bit_depth(int colorType, int bitDepth)
    {
        const int width = 67, height = 45;
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int rowBytes = (width * channels * bitDepth + 7) / 8;
        var random = new Random(colorType * 100 + bitDepth);
        byte[]? palette = null;
        if (colorType == 3)
        {
            palette = new byte[3 << bitDepth];
            random.NextBytes(palette);
        }
        var rows = new byte[height][];
        for (int y = 0; y < height; y++)
        {
            rows[y] = new byte[rowBytes];
            random.NextBytes(rows[y]);
            if (colorType is 4 or 6)
                for (int i = 0; i < rowBytes; i++)
                    if (i / (bitDepth / 8) % channels == channels - 1)
                        rows[y][i] = 255; // opaque, so SkiaSharp's unpremultiplied output keeps the colour exactly
        }
        string path = _folder.File($"ct{colorType}-{bitDepth}.png");
        TestPng.Write(path, width, height, colorType, bitDepth, (y, row) => rows[y].CopyTo(row, 0), y => y % 5, palette);

        var crop = new SKRectI(3, 2, 3 + 61, 2 + 40);
        var reducer = new BoxReducer(crop, 9, 13);
        using (var file = File.OpenRead(path))
            PngRowDecoder.Decode(file, path, reducer);
        using var reduced = reducer.ToBitmap();

        using var full = SKBitmap.Decode(path).Copy(SKColorType.Rgba8888);
        var expected = BoxAverage(full, crop, 9, 13);
        var actual = reduced.GetPixelSpan().ToArray();
        int tolerance = bitDepth == 16 ? 1 : 0; // libpng may round 16-bit samples where the reader keeps the high byte
        for (int i = 0; i < expected.Length; i++)
        {
            if (i % 4 == 3)
                continue; // alpha is dropped by the decoder
            Math.Abs(actual[i] - expected[i]).Should().BeLessThanOrEqualTo(tolerance, $"byte {i} (pixel {i / 4}, channel {i % 4})");
        }
    }

    [Fact]
    public void A_png_and_a_bmp_just_above_the_streaming_threshold_decode_to_the_box_average_of_their_centre_crop()
    {
        const int width = 2111, height = 2047; // 4.3 megapixels, above ImageDecoder.StreamingThreshold
        ((long)width * height).Should().BeGreaterThan(ImageDecoder.StreamingThreshold);
        var random = new Random(7);
        var rgb = new byte[height][];
        for (int y = 0; y < height; y++)
        {
            rgb[y] = new byte[width * 3];
            for (int x = 0; x < width; x++)
            {
                // Smooth with noise: a box average differs from bilinear sampling, so a full-size decode would not match.
                rgb[y][3 * x] = (byte)(x * 255 / width);
                rgb[y][3 * x + 1] = (byte)(y * 255 / height);
                rgb[y][3 * x + 2] = (byte)random.Next(256);
            }
        }
        string png = _folder.File("large.png"), bmp = _folder.File("large.bmp");
        TestPng.Write(png, width, height, 2, 8, (y, row) => rgb[y].CopyTo(row, 0), y => y % 5);
        WriteBmp(bmp, width, height, rgb);

        // A 24x32 (h x w) target: the centred crop of aspect 3:4 is 2111 x 1583, starting at row 232.
        var crop = new SKRectI(0, (height - width * 24 / 32) / 2, width, (height - width * 24 / 32) / 2 + width * 24 / 32);
        var full = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var span = full.GetPixelSpan();
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            span[(y * width + x) * 4] = rgb[y][3 * x];
            span[(y * width + x) * 4 + 1] = rgb[y][3 * x + 1];
            span[(y * width + x) * 4 + 2] = rgb[y][3 * x + 2];
            span[(y * width + x) * 4 + 3] = 255;
        }
        var expected = Planar(BoxAverage(full, crop, 24, 32), 24, 32);
        full.Dispose();

        ImageDecoder.DecodePixels(png, 24, 32).Should().Equal(expected, "the PNG row reader box-averages the centre crop");
        ImageDecoder.DecodePixels(bmp, 24, 32).Should().Equal(expected, "BMP scanlines are box-averaged the same way");
    }

    [Fact]
    public void A_large_webp_decodes_at_a_reduced_scale_close_to_the_box_average()
    {
        const int side = 2100;
        using var full = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var span = full.GetPixelSpan();
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            int o = (y * side + x) * 4;
            (span[o], span[o + 1], span[o + 2], span[o + 3]) = ((byte)(x * 255 / side), (byte)(y * 255 / side), (byte)((x + y) * 127 / side), 255);
        }
        string path = _folder.File("large.webp");
        using (var image = SKImage.FromBitmap(full))
        using (var data = image.Encode(SKEncodedImageFormat.Webp, 100))
            File.WriteAllBytes(path, data.ToArray());

        var actual = ImageDecoder.DecodePixels(path, 32, 32);
        var expected = Planar(BoxAverage(full, new SKRectI(0, 0, side, side), 32, 32), 32, 32);
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().Should().BeLessThanOrEqualTo(6, "a scaled lossy decode is close to the box average");
    }

    [Fact]
    public void A_truncated_or_damaged_large_png_is_refused_naming_the_file()
    {
        const int side = 2100;
        string path = _folder.File("large.png");
        TestPng.Write(path, side, side, 2, 8, (y, row) => new Random(y).NextBytes(row), y => y % 5);
        var bytes = File.ReadAllBytes(path);

        string truncated = _folder.File("truncated.png");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var decodeTruncated = () => ImageDecoder.DecodePixels(truncated, 32, 32);
        decodeTruncated.Should().Throw<InvalidDataException>().WithMessage($"*'{truncated}'*incomplete*");

        string damaged = _folder.File("damaged.png");
        bytes[bytes.Length / 2] ^= 0x55; // inside an IDAT chunk: its CRC no longer matches
        File.WriteAllBytes(damaged, bytes);
        var decodeDamaged = () => ImageDecoder.DecodePixels(damaged, 32, 32);
        decodeDamaged.Should().Throw<InvalidDataException>().WithMessage($"*'{damaged}'*corrupt*");
    }

    /// <summary>The rounded mean of each block (bounds <c>i * crop / out</c>), RGBA interleaved.</summary>
    private static byte[] BoxAverage(SKBitmap bitmap, SKRectI crop, int outHeight, int outWidth)
    {
        var pixels = bitmap.GetPixelSpan();
        var result = new byte[outHeight * outWidth * 4];
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++)
        {
            int y0 = crop.Top + oy * crop.Height / outHeight, y1 = crop.Top + (oy + 1) * crop.Height / outHeight;
            int x0 = crop.Left + ox * crop.Width / outWidth, x1 = crop.Left + (ox + 1) * crop.Width / outWidth;
            for (int k = 0; k < 4; k++)
            {
                long sum = 0;
                for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    sum += pixels[y * bitmap.RowBytes + x * 4 + k];
                long n = (long)(y1 - y0) * (x1 - x0);
                result[(oy * outWidth + ox) * 4 + k] = (byte)((sum + n / 2) / n);
            }
        }
        return result;
    }

    private static byte[] Planar(byte[] rgba, int height, int width)
    {
        int plane = height * width;
        var planar = new byte[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int k = 0; k < 3; k++)
                planar[k * plane + i] = rgba[4 * i + k];
        return planar;
    }

    /// <summary>A 24-bit bottom-up BMP (BITMAPINFOHEADER).</summary>
    private static void WriteBmp(string path, int width, int height, byte[][] rgb)
    {
        int stride = (width * 3 + 3) / 4 * 4;
        using var file = new BinaryWriter(File.Create(path));
        file.Write((byte)'B');
        file.Write((byte)'M');
        file.Write(54 + stride * height);
        file.Write(0);
        file.Write(54);
        file.Write(40);
        file.Write(width);
        file.Write(height);
        file.Write((short)1);
        file.Write((short)24);
        file.Write(0);
        file.Write(stride * height);
        file.Write(2835);
        file.Write(2835);
        file.Write(0);
        file.Write(0);
        var row = new byte[stride];
        for (int y = height - 1; y >= 0; y--)
        {
            for (int x = 0; x < width; x++)
                (row[3 * x], row[3 * x + 1], row[3 * x + 2]) = (rgb[y][3 * x + 2], rgb[y][3 * x + 1], rgb[y][3 * x]);
            file.Write(row);
        }
    }
}
