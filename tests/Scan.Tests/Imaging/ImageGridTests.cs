using Scan.Core.Evaluation;
using Scan.Tests.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Imaging;

public class ImageGridTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Five 4x6 grayscale images; image n is flat at level 40·n + 20.</summary>
    private static Tensor FlatImages()
    {
        using var scope = NewDisposeScope();
        var levels = tensor(new[] { 20, 60, 100, 140, 180 }.Select(v => v / 255f).ToArray());
        return levels.reshape(5, 1, 1, 1).expand(5, 1, 4, 6).contiguous().MoveToOuterDisposeScope();
    }

    [Fact]
    public void Writes_a_decodable_png_of_the_expected_pixel_size_with_images_in_their_cells()
    {
        string path = Path.Combine(_folder.Path, "nested", "grid.png");
        using var images = FlatImages();

        ImageGrid.WritePng(images, path, new ImageGridOptions { Columns = 3, Padding = 2, Scale = 2 });

        using var png = SKBitmap.Decode(path);
        // 3 columns of 6·2 pixels and 2 rows of 4·2 pixels, with 2 pixels of padding between and around cells.
        png.Width.Should().Be(3 * (12 + 2) + 2);
        png.Height.Should().Be(2 * (8 + 2) + 2);
        // Image 4 is row 1, column 1: its cell starts at (2 + 14, 2 + 10) and spans 12x8 pixels.
        png.GetPixel(16, 12).Should().Be(new SKColor(180, 180, 180));
        png.GetPixel(16 + 11, 12 + 7).Should().Be(new SKColor(180, 180, 180));
        png.GetPixel(2, 2).Should().Be(new SKColor(20, 20, 20));
        png.GetPixel(0, 0).Should().Be(SKColors.White);       // padding
        png.GetPixel(30, 15).Should().Be(SKColors.White);     // the empty sixth cell
    }

    [Fact]
    public void Writes_rgb_and_uint8_images_with_their_colours()
    {
        using var scope = NewDisposeScope();
        var images = tensor(new byte[] { 255, 0, 30 }).reshape(1, 3, 1, 1).expand(2, 3, 2, 2).contiguous();
        using var stream = new MemoryStream();

        ImageGrid.WritePng(images, stream, new ImageGridOptions { Padding = 0 });

        using var png = SKBitmap.Decode(stream.ToArray());
        (png.Width, png.Height).Should().Be((4, 2));
        png.GetPixel(3, 1).Should().Be(new SKColor(255, 0, 30));
    }

    [Fact]
    public void Row_labels_widen_the_grid_and_are_drawn_left_of_their_rows()
    {
        string plain = Path.Combine(_folder.Path, "plain.png"), labelled = Path.Combine(_folder.Path, "labelled.png");
        using var images = zeros(6, 1, 8, 8); // black images, white background: any dark pixel left of them is text

        ImageGrid.WritePng(images, plain, new ImageGridOptions { Columns = 3, Scale = 2 });
        ImageGrid.WritePng(images, labelled, new ImageGridOptions { Columns = 3, Scale = 2, RowLabels = ["Ankle boot", "T-shirt/top"] });

        using var withoutLabels = SKBitmap.Decode(plain);
        using var withLabels = SKBitmap.Decode(labelled);
        int labelWidth = withLabels.Width - withoutLabels.Width;
        labelWidth.Should().BeGreaterThan(20);
        withLabels.Height.Should().Be(withoutLabels.Height);
        for (int row = 0; row < 2; row++)
        {
            int top = 2 + row * 18, dark = 0;
            for (int y = top; y < top + 16; y++)
                for (int x = 0; x < labelWidth; x++)
                    dark += withLabels.GetPixel(x, y).Red < 128 ? 1 : 0;
            dark.Should().BeGreaterThan(10, $"row {row}'s label should be drawn");
        }
    }

    [Fact]
    public void Rejects_row_labels_that_do_not_match_the_rows()
    {
        using var images = FlatImages();

        var write = () => ImageGrid.WritePng(images, new MemoryStream(), new ImageGridOptions { Columns = 2, RowLabels = ["a", "b"] });

        write.Should().Throw<ArgumentException>().WithMessage("*2 entries*5 images in rows of 2 make 3 rows*");
    }

    [Fact]
    public void Replaces_the_file_atomically_leaving_no_temporary_files()
    {
        string path = Path.Combine(_folder.Path, "grid.png");
        File.WriteAllText(path, "old content");
        using var images = FlatImages();

        ImageGrid.WritePng(images, path);

        Directory.GetFiles(_folder.Path).Should().Equal(path);
        using var png = SKBitmap.Decode(path);
        png.Should().NotBeNull();
        png.Width.Should().Be(5 * (6 + 2) + 2);
    }

    [Theory]
    [InlineData(new long[] { 2, 2, 4, 4 }, "*C of 1 or 3*(2, 2, 4, 4)*")]
    [InlineData(new long[] { 4, 4, 4 }, "*(N, C, H, W)*(4, 4, 4)*")]
    [InlineData(new long[] { 0, 3, 4, 4 }, "*N >= 1*")]
    public void Rejects_tensors_of_the_wrong_shape(long[] shape, string message)
    {
        using var images = zeros(shape);

        var write = () => ImageGrid.WritePng(images, new MemoryStream());

        write.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void Rejects_nan_values()
    {
        using var images = full(new long[] { 1, 1, 2, 2 }, float.NaN);

        var write = () => ImageGrid.WritePng(images, new MemoryStream());

        write.Should().Throw<ArgumentException>().WithMessage("*NaN or infinite*");
    }

    [Fact]
    public void Rejects_options_out_of_range()
    {
        using var images = FlatImages();

        var write = () => ImageGrid.WritePng(images, new MemoryStream(), new ImageGridOptions { Scale = 0 });

        write.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage("*ImageGridOptions: Scale must be at least 1. Found 0.*");
    }
}
