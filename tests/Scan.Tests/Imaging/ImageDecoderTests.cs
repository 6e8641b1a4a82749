using Scan.Core.Data;
using Scan.Tests.Data;
using SkiaSharp;
using static Scan.Tests.Imaging.ImageFileWriters;
using static TorchSharp.torch;

namespace Scan.Tests.Imaging;

public class ImageDecoderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static (byte R, byte G, byte B) Gradient(int x, int y) => ((byte)(40 * x + 5), (byte)(60 * y + 7), (byte)(200 - 30 * x - 20 * y));

    private string Write(string name, byte[] content)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static float[] Planar(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var values = new float[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                values[y * width + x] = r / 255f;
                values[width * height + y * width + x] = g / 255f;
                values[2 * width * height + y * width + x] = b / 255f;
            }

        return values;
    }

    [Theory]
    [InlineData(40, 20)]   // landscape: the left and right quarters are cut off
    [InlineData(20, 40)]   // portrait: the top and bottom quarters are cut off
    public void Resizing_to_a_square_keeps_the_aspect_ratio_by_taking_the_centre_instead_of_stretching(int width, int height)
    {
        // Red outer quarters along the long side, green middle half: the centred square is all green. Stretching the
        // whole image would bring red into the left/right (or top/bottom) columns of the result.
        bool landscape = width > height;
        string path = Write("wide.bmp", Bmp(width, height, (x, y) =>
        {
            int along = landscape ? x : y, length = landscape ? width : height;
            return along < length / 4 || along >= 3 * length / 4 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)255, (byte)0);
        }));

        var pixels = ImageDecoder.DecodePixels(path, 10, 10);

        pixels.Should().HaveCount(3 * 10 * 10);
        pixels.Take(100).Should().OnlyContain(r => r < 8, "no red from the cut-off quarters");
        pixels.Skip(100).Take(100).Should().OnlyContain(g => g > 247, "the middle half is all that remains");
    }

    [Fact]
    public void Decodes_a_hand_built_bmp_exactly_as_channels_rows_columns()
    {
        string path = Write("gradient.bmp", Bmp(3, 2, Gradient));

        using var image = ImageDecoder.Decode(path);

        image.shape.Should().Equal(3, 2, 3);
        image.dtype.Should().Be(ScalarType.Float32);
        image.data<float>().ToArray().Should().Equal(Planar(3, 2, Gradient));
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 0)]
    [InlineData(SKEncodedImageFormat.Jpeg, 6)]
    [InlineData(SKEncodedImageFormat.Webp, 6)]
    public void Decodes_png_exactly_and_lossy_formats_within_their_error(SKEncodedImageFormat format, int tolerance)
    {
        // Smooth content at quality 100: JPEG and lossy WebP stay within a few levels (tolerance in 0..255 units).
        string path = Write("image." + format.ToString().ToLowerInvariant(), Encode(format, 16, 16, (x, y) => ((byte)(100 + x), (byte)(50 + y), 80)));

        using var image = ImageDecoder.Decode(path);

        image.shape.Should().Equal(3, 16, 16);
        var expected = Planar(16, 16, (x, y) => ((byte)(100 + x), (byte)(50 + y), 80));
        image.data<float>().ToArray().Zip(expected, (a, b) => Math.Abs(a - b) * 255f).Max().Should().BeLessThanOrEqualTo(tolerance + 1e-3f);
    }

    [Fact]
    public void Decodes_the_first_frame_of_an_animated_gif()
    {
        (byte, byte, byte)[] palette = [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)];
        string path = Write("animated.gif", Gif(2, 2, palette, [1, 2, 3, 1], [2, 2, 2, 2]));

        using var image = ImageDecoder.Decode(path);

        // Frame 1: red, green / blue, red.
        image.data<float>().ToArray().Should().Equal(
            1, 0, 0, 1, // red plane
            0, 1, 0, 0, // green plane
            0, 0, 1, 0); // blue plane
    }

    [Fact]
    public void Grayscale_uses_pillows_luma_transform()
    {
        // Expected values from Pillow 9 (Debian python3-pil):
        //   /usr/bin/python3 -c "from PIL import Image; im = Image.new('RGB', (3, 1));
        //   [im.putpixel((i, 0), c) for i, c in enumerate([(255, 0, 0), (10, 200, 77), (128, 128, 129)])];
        //   print(list(im.convert('L').getdata()))"  ->  [76, 129, 128]
        (byte, byte, byte)[] colours = [(255, 0, 0), (10, 200, 77), (128, 128, 129)];
        string path = Write("colours.bmp", Bmp(3, 1, (x, _) => colours[x]));

        using var gray = ImageDecoder.Decode(path, ColorMode.Grayscale);

        gray.shape.Should().Equal(1, 1, 3);
        gray.data<float>().ToArray().Should().Equal(76 / 255f, 129 / 255f, 128 / 255f);
    }

    [Fact]
    public void Resizes_to_the_requested_size_and_keeps_flat_colour()
    {
        string path = Write("flat.png", Encode(SKEncodedImageFormat.Png, 10, 6, (_, _) => (200, 100, 50)));

        using var image = ImageDecoder.Decode(path, height: 4, width: 7);

        image.shape.Should().Equal(3, 4, 7);
        var values = image.data<float>().ToArray();
        values[..28].Should().AllBeEquivalentTo(200 / 255f);
        values[28..56].Should().AllBeEquivalentTo(100 / 255f);
        values[56..].Should().AllBeEquivalentTo(50 / 255f);
    }

    [Fact]
    public void Downscaling_averages_fine_detail_instead_of_sampling_it()
    {
        // 3-pixel black and white stripes shrunk 8 times. Each output pixel covers 8 columns holding 3 to 5 white
        // ones, so an anti-aliased resize stays within 3/8..5/8 grey; plain bilinear or nearest sampling (no
        // mipmaps) gives pure black and white pixels here.
        string path = Write("stripes.png", Encode(SKEncodedImageFormat.Png, 64, 64, (x, _) => x / 3 % 2 == 0 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0)));

        using var scope = NewDisposeScope();
        var image = ImageDecoder.Decode(path, 8, 8, ColorMode.Grayscale);

        image.min().item<float>().Should().BeGreaterThanOrEqualTo(0.3f);
        image.max().item<float>().Should().BeLessThanOrEqualTo(0.7f);
    }

    [Fact]
    public void Decodes_from_a_stream_like_from_a_file()
    {
        var png = Encode(SKEncodedImageFormat.Png, 5, 4, Gradient);
        string path = Write("gradient.png", png);

        using var fromFile = ImageDecoder.Decode(path, 3, 2);
        using var fromStream = ImageDecoder.Decode(new MemoryStream(png), 3, 2);

        fromStream.data<float>().ToArray().Should().Equal(fromFile.data<float>().ToArray());
    }

    [Fact]
    public void Decode_pixels_gives_the_bytes_behind_the_float_tensor()
    {
        string path = Write("gradient.bmp", Bmp(3, 2, Gradient));

        var bytes = ImageDecoder.DecodePixels(path, 2, 3, ColorMode.Rgb);

        bytes.Select(b => b / 255f).Should().Equal(Planar(3, 2, Gradient));
    }

    [Fact]
    public void Rejects_a_destination_of_the_wrong_length()
    {
        string path = Write("gradient.bmp", Bmp(3, 2, Gradient));

        var decode = () => ImageDecoder.DecodePixels(path, 2, 3, ColorMode.Grayscale, new byte[7]);

        decode.Should().Throw<ArgumentException>().WithMessage("*7 bytes; expected 6*");
    }

    [Fact]
    public void Rejects_a_file_that_is_not_an_image_naming_it()
    {
        string path = Write("notes.png", "just some text, not a picture"u8.ToArray());

        var decode = () => ImageDecoder.Decode(path);

        decode.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*not a PNG, JPEG, WebP, BMP or GIF*");
    }

    [Fact]
    public void Rejects_a_truncated_png_naming_it()
    {
        var png = Encode(SKEncodedImageFormat.Png, 32, 32, Gradient);
        string path = Write("cut.png", png[..(png.Length / 2)]);

        var decode = () => ImageDecoder.Decode(path);

        decode.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*incomplete or corrupt*");
    }

    [Fact]
    public void Reports_a_missing_file_by_name()
    {
        string path = Path.Combine(_folder.Path, "missing.png");

        var decode = () => ImageDecoder.Decode(path);

        decode.Should().Throw<FileNotFoundException>().Which.FileName.Should().Be(path);
    }

    [Fact]
    public void Rejects_a_size_below_one()
    {
        var decode = () => ImageDecoder.Decode(Path.Combine(_folder.Path, "any.png"), 0, 4);

        decode.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("height");
    }

    /// <summary>Inserts an APP1 EXIF segment declaring <paramref name="orientation"/> right after the JPEG's SOI marker.</summary>
    internal static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD at offset 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next IFD
        ];
        byte[] exif = [.. "Exif\0\0"u8, .. tiff];
        int length = exif.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        jpeg[0].Should().Be(0xFF);
        jpeg[1].Should().Be(0xD8);
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    [Fact]
    public void Exif_orientation_6_rotates_the_image_clockwise()
    {
        // 16 wide, 8 high: the left half white, the right half black. Upright (rotated 90 degrees clockwise) it is
        // 8 wide, 16 high, with the white half on top.
        var jpeg = Encode(SKEncodedImageFormat.Jpeg, 16, 8, (x, _) => x < 8 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0));
        string path = Write("rotated.jpg", WithExifOrientation(jpeg, 6));

        using var image = ImageDecoder.Decode(path, ColorMode.Grayscale);

        image.shape.Should().Equal(1, 16, 8);
        using var top = image[.., ..6, ..].mean();
        using var bottom = image[.., 10.., ..].mean();
        top.item<float>().Should().BeGreaterThan(0.95f);
        bottom.item<float>().Should().BeLessThan(0.05f);
    }

    [Fact]
    public void Exif_orientation_8_rotates_the_image_counter_clockwise()
    {
        var jpeg = Encode(SKEncodedImageFormat.Jpeg, 16, 8, (x, _) => x < 8 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0));
        string path = Write("rotated8.jpg", WithExifOrientation(jpeg, 8));

        using var image = ImageDecoder.Decode(path, ColorMode.Grayscale);

        image.shape.Should().Equal(1, 16, 8);
        using var top = image[.., ..6, ..].mean();
        using var bottom = image[.., 10.., ..].mean();
        top.item<float>().Should().BeLessThan(0.05f);
        bottom.item<float>().Should().BeGreaterThan(0.95f);
    }

    [Fact]
    public void A_large_jpeg_decoded_small_matches_the_full_size_decode_resized()
    {
        // 256x128 halves (white | black) decoded to 16x8 at reduced JPEG scale: still white left, black right.
        var jpeg = Encode(SKEncodedImageFormat.Jpeg, 256, 128, (x, _) => x < 128 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0));
        string path = Write("big.jpg", jpeg);

        var pixels = ImageDecoder.DecodePixels(path, 8, 16, ColorMode.Grayscale);

        pixels.Length.Should().Be(128);
        for (int y = 0; y < 8; y++)
        {
            pixels[y * 16 + 2].Should().BeGreaterThan(240);
            pixels[y * 16 + 13].Should().BeLessThan(15);
        }
    }
}
