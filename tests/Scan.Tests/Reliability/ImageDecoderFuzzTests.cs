using Scan.Core.Data;
using SkiaSharp;
using Xunit.Abstractions;
using static Scan.Tests.Imaging.ImageFileWriters;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged PNG, JPEG, WebP, BMP and GIF files against <see cref="ImageDecoder"/> (SkiaSharp underneath), which
/// documents <see cref="InvalidDataException"/> naming the file for anything it cannot decode. Header fields that
/// size the image are corrupted with the format's checksums kept valid where it has them (PNG), so huge declared
/// sizes reach the decoder.
/// </summary>
public sealed class ImageDecoderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Width = 16, Height = 12;
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static (byte R, byte G, byte B) Pattern(int x, int y) => ((byte)(15 * x), (byte)(20 * y), (byte)(255 - 7 * x - 9 * y));

    public static TheoryData<string, int> Formats => new() { { "png", 401 }, { "jpg", 402 }, { "webp", 403 }, { "bmp", 404 }, { "gif", 405 } };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Damaged_images_are_rejected_or_decoded(string format, int seed)
    {
        var (content, fields) = Seed(format);
        string path = _folder.File("image." + format);
        var fuzzer = new LoaderFuzzer($"ImageDecoder, {format}", output, typeof(InvalidDataException));
        void Load()
        {
            var pixels = ImageDecoder.DecodePixels(path, 8, 8, ColorMode.Rgb);
            pixels.Length.Should().Be(3 * 8 * 8);
            using var own = ImageDecoder.Decode(path, ColorMode.Grayscale);
            own.shape[0].Should().Be(1);
        }

        if (format == "png")
        {
            fuzzer.Run(ReliabilityCaseCounts.ImageMutantsPerFormat / 2, new Mutator(seed), content, path, Load, fields);
            fuzzer.Run(ReliabilityCaseCounts.ImageMutantsPerFormat / 2, new Mutator(seed + 100), content, path, Load, fields, encode: PngChunks.WithValidCrcs);
        }
        else
        {
            fuzzer.Run(ReliabilityCaseCounts.ImageMutantsPerFormat, new Mutator(seed), content, path, Load, fields);
        }

        fuzzer.Finish(ReliabilityCaseCounts.ImageMutantsPerFormat);
    }

    [Theory]
    [InlineData(65_535, 65_535)]
    [InlineData(1_000_000, 200)]
    [InlineData(13_380, 13_380)]
    public void A_png_header_declaring_more_than_MaxPixels_is_refused_before_allocating(int width, int height)
    {
        // A valid 16x12 PNG whose IHDR (CRC fixed) claims a huge size: 17 GB of RGBA for 65,535², or just over
        // Pillow's limit for 13,380² (179,024,400 pixels).
        var png = Seed("png").Content;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        string path = _folder.File("bomb.png");
        File.WriteAllBytes(path, PngChunks.WithValidCrcs(png));

        var act = () => ImageDecoder.DecodePixels(path, 8, 8);

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*{width}x{height}*MaxPixels*");
    }

    [Fact]
    public void A_bmp_whose_pixel_data_offset_is_past_4_GB_is_rejected_without_ending_the_process()
    {
        // Found by the fuzzing above: Skia's BMP codec skips to the offset, and through SkiaSharp's managed-stream
        // callback a skip of 0xFFFFFFFF bytes threw ArgumentOutOfRangeException inside native code, which ended
        // the test host ("Test host process crashed").
        var bmp = Seed("bmp").Content;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), 0xFFFFFFFF);
        string path = _folder.File("offset.bmp");
        File.WriteAllBytes(path, bmp);

        var act = () => ImageDecoder.DecodePixels(path, 8, 8);

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*");
    }

    /// <summary>A valid image of the format and the offsets of the fields that size it.</summary>
    internal static (byte[] Content, HeaderField[] Fields) Seed(string format)
    {
        switch (format)
        {
            case "png":
                // Signature (8), IHDR length and type (8), then width, height, bit depth, colour type (PNG spec 11.2.2).
                return (Encode(SKEncodedImageFormat.Png, Width, Height, Pattern),
                    [new("IHDR width", 16, 4, true), new("IHDR height", 20, 4, true), new("IHDR bit depth", 24, 1), new("IHDR colour type", 25, 1), new("IHDR length", 8, 4, true)]);
            case "jpg":
            {
                var jpeg = Encode(SKEncodedImageFormat.Jpeg, Width, Height, Pattern, quality: 90);
                // Start of frame (FF C0..C2): length (2), precision (1), height (2), width (2), components (1).
                int sof = Enumerable.Range(0, jpeg.Length - 1).First(i => jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2);
                return (jpeg, [new("SOF height", sof + 5, 2, true), new("SOF width", sof + 7, 2, true), new("SOF components", sof + 9, 1), new("SOF length", sof + 2, 2, true)]);
            }
            case "webp":
            {
                var webp = Encode(SKEncodedImageFormat.Webp, Width, Height, Pattern, quality: 80);
                // RIFF size (4), then the VP8/VP8L chunk: its size at 16 and the frame header holding the dimensions.
                return (webp, [new("RIFF size", 4, 4), new("chunk size", 16, 4), new("VP8 width", 26, 2), new("VP8 height", 28, 2), new("VP8L size bits", 21, 4)]);
            }
            case "bmp":
                return (Bmp(Width, Height, Pattern),
                    [new("file size", 2, 4), new("pixel data offset", 10, 4), new("header size", 14, 4), new("width", 18, 4), new("height", 22, 4),
                     new("bits per pixel", 28, 2), new("compression", 30, 4), new("image size", 34, 4)]);
            default:
            {
                byte[] frame = Enumerable.Range(0, Width * Height).Select(i => (byte)(i % 4)).ToArray();
                var gif = Gif(Width, Height, [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)], frame);
                // Logical screen (6..9), then after the palette and graphic control extension the image descriptor
                // at 33: left, top, width, height, flags, LZW minimum code size.
                return (gif, [new("screen width", 6, 2), new("screen height", 8, 2), new("frame left", 34, 2), new("frame top", 36, 2),
                    new("frame width", 38, 2), new("frame height", 40, 2), new("frame flags", 42, 1), new("LZW code size", 43, 1)]);
            }
        }
    }
}
