using Scan.Core.Data;
using Scan.Tests.Data;
using SkiaSharp;
using static Scan.Tests.Imaging.ImageFileWriters;

namespace Scan.Tests.Imaging;

/// <summary>
/// A large phone photo stored sideways comes out of an image folder upright although it is decoded at reduced scale
/// (the codec decodes at 1/8 as stored, and the target size has to be turned to the stored orientation first).
/// </summary>
public sealed class ScaledJpegOrientationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Stored 512 wide and 256 high: the left half white, the right half black. 1/8 of it (64x32) still covers 32x32,
    /// so the folder decodes it at reduced scale; upright it is the centred square of the turned image.
    /// </summary>
    [Theory]
    [InlineData(1, "left")]    // as stored: the centre square is white on the left, black on the right
    [InlineData(3, "right")]   // rotated 180 degrees
    [InlineData(6, "top")]     // rotate 90 degrees clockwise: the stored left edge becomes the top
    [InlineData(8, "bottom")]  // rotate 90 degrees counter-clockwise: the stored left edge becomes the bottom
    public void A_large_exif_rotated_jpeg_decoded_at_reduced_scale_in_a_folder_is_upright(ushort orientation, string whiteSide)
    {
        var jpeg = Encode(SKEncodedImageFormat.Jpeg, 512, 256, (x, _) => x < 256 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0), quality: 90);
        File.WriteAllBytes(_folder.File("photo.jpg"), ImageDecoderTests.WithExifOrientation(jpeg, orientation));
        bool portrait = orientation is 6 or 8;
        ImageDecoder.ReadDimensions(_folder.File("photo.jpg")).Should().Be(portrait ? (512, 256) : (256, 512));

        using var folder = ImageFolderDataset.Load(_folder.Path, new ImageFolderOptions { Height = 32, Width = 32, ColorMode = ColorMode.Grayscale });
        using var bytes = folder.GetBytes([0]);
        var pixels = bytes.bytes.ToArray();

        // Mean brightness of the four edge bands of 8 pixels, away from the dividing line.
        double Mean(Func<int, int, bool> inside) =>
            Enumerable.Range(0, 32 * 32).Where(i => inside(i % 32, i / 32)).Average(i => (double)pixels[i]);
        var sides = new Dictionary<string, double>
        {
            ["left"] = Mean((x, _) => x < 8),
            ["right"] = Mean((x, _) => x >= 24),
            ["top"] = Mean((_, y) => y < 8),
            ["bottom"] = Mean((_, y) => y >= 24),
        };
        string opposite = whiteSide switch { "left" => "right", "right" => "left", "top" => "bottom", _ => "top" };
        sides[whiteSide].Should().BeGreaterThan(240, $"orientation {orientation}: the white half must end up {whiteSide} ({string.Join(", ", sides)})");
        sides[opposite].Should().BeLessThan(15, $"orientation {orientation}: the black half must end up {opposite} ({string.Join(", ", sides)})");
    }
}
