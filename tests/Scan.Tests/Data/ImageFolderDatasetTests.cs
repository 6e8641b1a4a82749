using Scan.Core.Data;
using SkiaSharp;
using static Scan.Tests.Imaging.ImageFileWriters;

namespace Scan.Tests.Data;

public class ImageFolderDatasetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static (byte, byte, byte) Colour(int k) => ((byte)(30 * k + 10), (byte)(200 - 20 * k), (byte)(7 * k));

    /// <summary>A flat 4x4 image of colour k.</summary>
    private void WriteImage(string relative, int k, SKEncodedImageFormat format = SKEncodedImageFormat.Png) =>
        File.WriteAllBytes(_folder.File(relative), Encode(format, 4, 4, (_, _) => Colour(k)));

    private static ImageFolderOptions Size4 => new() { Height = 4, Width = 4 };

    private static byte[] FlatPlanar(int k, int pixels = 16)
    {
        var (r, g, b) = Colour(k);
        return Enumerable.Repeat(r, pixels).Concat(Enumerable.Repeat(g, pixels)).Concat(Enumerable.Repeat(b, pixels)).ToArray();
    }

    [Fact]
    public void Grayscale_detection_makes_a_folder_of_gray_rgb_files_one_channel_and_leaves_a_colour_folder_rgb()
    {
        // Gray pictures saved as RGB (as scanners and many exports do), with a gradient so the planes carry content.
        for (int k = 0; k < 3; k++)
            File.WriteAllBytes(_folder.File($"gray/{k}.png"), Encode(SKEncodedImageFormat.Png, 4, 4, (x, y) =>
            {
                byte v = (byte)(20 * x + 50 * y + 10 * k);
                return (v, v, v);
            }));
        var detect = Size4 with { DetectGrayscale = true };

        using var gray = ImageFolderDataset.Load(_folder.Path, detect);
        using var asGrayscale = ImageFolderDataset.Load(_folder.Path, Size4 with { ColorMode = ColorMode.Grayscale });
        gray.Channels.Should().Be(1);
        using (var a = gray.GetBytes([0, 1, 2]))
        using (var b = asGrayscale.GetBytes([0, 1, 2]))
            a.data<byte>().ToArray().Should().Equal(b.data<byte>().ToArray(), "R = G = B is its own luma");

        WriteImage("gray/colour.png", 1);   // one colour image: the folder is not grayscale
        using var mixed = ImageFolderDataset.Load(_folder.Path, detect);
        mixed.Channels.Should().Be(3);
    }

    [Fact]
    public void Suggested_options_use_the_median_shorter_side_capped_and_loading_reports_progress_to_the_end()
    {
        int[] sides = [12, 20, 24, 40, 64];
        for (int i = 0; i < sides.Length; i++)
            File.WriteAllBytes(_folder.File($"img{i}.png"), Encode(SKEncodedImageFormat.Png, sides[i] + 10, sides[i], (_, _) => Colour(i)));

        var (options, median) = ImageFolderDataset.SuggestOptions(_folder.Path);
        median.Should().Be(24);
        (options.Height, options.Width).Should().Be((24, 24));
        options.DetectGrayscale.Should().BeTrue();
        ImageFolderDataset.SuggestOptions(_folder.Path, maxSide: 16).Options.Height.Should().Be(16);

        var reports = new List<ImageProgress>();
        using var dataset = ImageFolderDataset.Load(_folder.Path, options with { MaxDegreeOfParallelism = 1 },
            new SynchronousProgress<ImageProgress>(reports.Add));
        reports.Should().NotBeEmpty();
        reports[^1].Should().Be(new ImageProgress(5, 5));
        reports.Select(r => r.Completed).Should().BeInAscendingOrder();

        foreach (var file in Directory.GetFiles(_folder.Path))
            File.Delete(file);
        File.WriteAllBytes(_folder.File("tiny.png"), Encode(SKEncodedImageFormat.Png, 8, 8, (_, _) => Colour(1)));
        ImageFolderDataset.SuggestOptions(_folder.Path).Options.Height.Should().Be(ImageFolderDataset.MinimumSuggestedSide, "tiny images are upsampled");
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Fact]
    public void Class_sub_folders_give_sorted_class_names_labels_and_files()
    {
        WriteImage("dog/b.png", 1);
        WriteImage("dog/a.png", 2);
        WriteImage("cat/x.png", 3);
        WriteImage("cat/more/y.png", 4); // class folders are searched recursively
        File.WriteAllText(_folder.File("cat/readme.txt"), "not an image: ignored");
        WriteImage(".ipynb_checkpoints/z.png", 5); // hidden folders are not classes

        using var dataset = ImageFolderDataset.Load(_folder.Path, Size4);
        using var bytes = dataset.GetBytes([0, 1, 2, 3]);

        dataset.ClassNames.Should().Equal("cat", "dog");
        dataset.Labels.Should().Equal(0, 0, 1, 1);
        dataset.Files.Select(f => Path.GetRelativePath(_folder.Path, f).Replace('\\', '/'))
            .Should().Equal("cat/more/y.png", "cat/x.png", "dog/a.png", "dog/b.png");
        (dataset.Count, dataset.Channels, dataset.Height, dataset.Width).Should().Be((4, 3, 4, 4));
        dataset.Skipped.Should().BeEmpty();
        bytes.data<byte>().ToArray().Should().Equal(FlatPlanar(4).Concat(FlatPlanar(3)).Concat(FlatPlanar(2)).Concat(FlatPlanar(1)));
    }

    [Fact]
    public void Jpeg_images_decode_within_their_compression_error()
    {
        WriteImage("a/one.jpg", 2, SKEncodedImageFormat.Jpeg);
        WriteImage("b/two.jpeg", 5, SKEncodedImageFormat.Jpeg);

        using var dataset = ImageFolderDataset.Load(_folder.Path, Size4);
        using var bytes = dataset.GetBytes([0, 1]);

        // Flat colours at quality 100 come back within 3 levels (of 255).
        var expected = FlatPlanar(2).Concat(FlatPlanar(5)).ToArray();
        bytes.data<byte>().ToArray().Zip(expected, (a, b) => Math.Abs(a - b)).Max().Should().BeLessThanOrEqualTo(3);
    }

    [Fact]
    public void Images_directly_in_the_folder_form_an_unlabelled_dataset_resized_and_in_grayscale()
    {
        File.WriteAllBytes(_folder.File("b.bmp"), Bmp(6, 6, (_, _) => (255, 0, 0)));
        WriteImage("a.png", 1);

        using var dataset = ImageFolderDataset.Load(_folder.Path, new ImageFolderOptions { Height = 2, Width = 3, ColorMode = ColorMode.Grayscale });
        using var batch = dataset.GetBatch([0, 1]);

        dataset.Labels.Should().BeNull();
        dataset.ClassNames.Should().BeNull();
        batch.shape.Should().Equal(2, 1, 2, 3);
        // Pillow's luma of pure red is 76, of colour 1 (40, 180, 7) is (40·19595 + 180·38470 + 7·7471 + 32768) >> 16 = 118.
        batch.data<float>().ToArray().Should().Equal(Enumerable.Repeat(118 / 255f, 6).Concat(Enumerable.Repeat(76 / 255f, 6)));
    }

    [Fact]
    public void An_undecodable_file_is_reported_by_name()
    {
        WriteImage("cat/good.png", 1);
        string bad = _folder.File("cat/broken.png");
        File.WriteAllText(bad, "this is not a png");

        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);

        load.Should().Throw<InvalidDataException>().WithMessage($"*'{bad}'*SkipUndecodable*");
    }

    [Fact]
    public void Undecodable_files_can_be_skipped_and_are_listed_with_labels_kept_aligned()
    {
        WriteImage("a/1.png", 1);
        string bad = _folder.File("a/2.png");
        File.WriteAllBytes(bad, [1, 2, 3]);
        WriteImage("b/3.png", 3);

        using var dataset = ImageFolderDataset.Load(_folder.Path, Size4 with { SkipUndecodable = true });
        using var bytes = dataset.GetBytes([0, 1]);

        dataset.Count.Should().Be(2);
        dataset.Labels.Should().Equal(0, 1);
        dataset.Skipped.Should().ContainSingle().Which.Path.Should().Be(bad);
        dataset.Skipped[0].Reason.Should().Contain("not a PNG, JPEG, WebP, BMP or GIF");
        bytes.data<byte>().ToArray().Should().Equal(FlatPlanar(1).Concat(FlatPlanar(3)));
    }

    [Fact]
    public void A_folder_where_nothing_decodes_is_rejected_even_when_skipping()
    {
        File.WriteAllText(_folder.File("x.png"), "no");

        var load = () => ImageFolderDataset.Load(_folder.Path, Size4 with { SkipUndecodable = true });

        load.Should().Throw<InvalidDataException>().WithMessage($"*None of the 1 image files in '{_folder.Path}'*");
    }

    [Fact]
    public void An_empty_folder_is_rejected_naming_it()
    {
        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);

        load.Should().Throw<InvalidDataException>().WithMessage($"*'{_folder.Path}' holds no image files*");
    }

    [Fact]
    public void An_empty_class_folder_is_rejected_naming_it()
    {
        WriteImage("cat/a.png", 1);
        Directory.CreateDirectory(Path.Combine(_folder.Path, "dog"));

        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);

        load.Should().Throw<InvalidDataException>().WithMessage($"*'{Path.Combine(_folder.Path, "dog")}' holds no image files*");
    }

    [Fact]
    public void Images_beside_class_folders_are_rejected()
    {
        WriteImage("cat/a.png", 1);
        WriteImage("stray.png", 2);

        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);

        load.Should().Throw<InvalidDataException>().WithMessage("*class sub-folders and also 1 image file*stray.png*");
    }

    [Fact]
    public void A_missing_folder_is_reported()
    {
        string missing = Path.Combine(_folder.Path, "absent");

        var load = () => ImageFolderDataset.Load(missing, Size4);

        load.Should().Throw<DirectoryNotFoundException>().WithMessage($"*'{missing}'*");
    }

    [Fact]
    public void A_size_below_one_is_rejected()
    {
        var load = () => ImageFolderDataset.Load(_folder.Path, new ImageFolderOptions { Height = 0, Width = 4 });

        load.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage("*ImageFolderOptions: Height must be at least 1. Found 0.*");
    }

    [Fact]
    public void A_folder_link_loop_does_not_recurse_endlessly_and_folder_links_are_not_followed()
    {
        if (OperatingSystem.IsWindows())
            return; // creating links needs privileges there
        WriteImage("cat/a.png", 1);
        WriteImage("dog/b.png", 2);
        Directory.CreateSymbolicLink(_folder.File("cat/loop"), _folder.File("cat")); // cat/loop -> cat
        Directory.CreateSymbolicLink(_folder.File("dog/cats"), Path.Combine(_folder.Path, "cat")); // into a sibling
        Directory.CreateSymbolicLink(_folder.File("bird"), Path.Combine(_folder.Path, "dog")); // a linked class folder

        using var dataset = ImageFolderDataset.Load(_folder.Path, Size4);

        dataset.ClassNames.Should().Equal("cat", "dog");
        dataset.Files.Select(f => Path.GetRelativePath(_folder.Path, f).Replace('\\', '/'))
            .Should().Equal("cat/a.png", "dog/b.png");
        dataset.Labels.Should().Equal(0, 1);
    }

    [Fact]
    public void File_links_are_followed_unless_they_point_inside_the_folder()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var outside = new TempFolder();
        File.WriteAllBytes(outside.File("far.png"), Encode(SKEncodedImageFormat.Png, 4, 4, (_, _) => Colour(3)));
        WriteImage("a.png", 1);
        File.CreateSymbolicLink(_folder.File("b.png"), _folder.File("a.png")); // duplicate of a.png: left out
        File.CreateSymbolicLink(_folder.File("c.png"), outside.File("far.png")); // followed
        File.CreateSymbolicLink(_folder.File("d.png"), Path.Combine(outside.Path, "missing.png")); // broken: ignored

        using var dataset = ImageFolderDataset.Load(_folder.Path, Size4);
        using var bytes = dataset.GetBytes([0, 1]);

        dataset.Files.Select(Path.GetFileName).Should().Equal("a.png", "c.png");
        bytes.data<byte>().ToArray().Should().Equal(FlatPlanar(1).Concat(FlatPlanar(3)));
    }
}
