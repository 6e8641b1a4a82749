using Scan.Core.Data;
using Scan.Tests.Data;
using SkiaSharp;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Symbolic links in image folders (issue 18, item 5): no endless recursion, and every real image once. Links to
/// folders are not followed; links to files are, each real file counting once (see <see cref="ImageFolderDataset"/>).
/// </summary>
public sealed class ImageFolderLinkTests(ITestOutputHelper output) : IDisposable
{
    private static readonly ImageFolderOptions Size4 = new() { Height = 4, Width = 4 };
    private readonly TempFolder _outside = new();
    private readonly TempFolder _root = new();
    private int _cases;

    public void Dispose()
    {
        _root.Dispose();
        _outside.Dispose();
    }

    private static void WriteImage(string path, byte value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(value, value, value));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private string[] Relative(ImageFolderDataset dataset, string root) =>
        dataset.Files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToArray();

    private void Pass(string name)
    {
        _cases++;
        output.WriteLine($"pass: {name}");
    }

    [Fact]
    public void Link_loops_folder_links_and_second_links_to_one_file_give_every_real_image_once()
    {
        if (OperatingSystem.IsWindows())
            return; // creating links needs privileges there
        string root = _root.Path;
        WriteImage(Path.Combine(root, "cat", "a.png"), 1);
        WriteImage(Path.Combine(root, "dog", "b.png"), 2);
        WriteImage(Path.Combine(root, "dog", ".hidden", "h.png"), 3);
        WriteImage(Path.Combine(_outside.Path, "far.png"), 4);

        // 1. A folder loop, a link to a sibling class folder and a linked class folder: not followed.
        Directory.CreateSymbolicLink(Path.Combine(root, "cat", "loop"), Path.Combine(root, "cat"));
        Directory.CreateSymbolicLink(Path.Combine(root, "dog", "cats"), Path.Combine(root, "cat"));
        Directory.CreateSymbolicLink(Path.Combine(root, "bird"), Path.Combine(root, "dog"));
        // 2. A file link loop with an image name (x.png -> y.png -> x.png): ignored like a broken link.
        File.CreateSymbolicLink(Path.Combine(root, "cat", "x.png"), Path.Combine(root, "cat", "y.png"));
        File.CreateSymbolicLink(Path.Combine(root, "cat", "y.png"), Path.Combine(root, "cat", "x.png"));
        // 3. Two links to one file outside: the first (in path order) counts.
        File.CreateSymbolicLink(Path.Combine(root, "cat", "far1.png"), Path.Combine(_outside.Path, "far.png"));
        File.CreateSymbolicLink(Path.Combine(root, "cat", "far2.png"), Path.Combine(_outside.Path, "far.png"));
        // 4. A link to an image inside the folder, by a path through a folder link outside that leads back in.
        string alias = Path.Combine(_outside.Path, "alias");
        Directory.CreateSymbolicLink(alias, root);
        File.CreateSymbolicLink(Path.Combine(root, "cat", "b-again.png"), Path.Combine(alias, "dog", "b.png"));
        // 5. A link to an image in a hidden folder, which the folder search does not enter: the link is its only way in.
        File.CreateSymbolicLink(Path.Combine(root, "cat", "h.png"), Path.Combine(root, "dog", ".hidden", "h.png"));

        using (var dataset = ImageFolderDataset.Load(root, Size4))
        {
            dataset.ClassNames.Should().Equal("cat", "dog");
            Relative(dataset, root).Should().Equal("cat/a.png", "cat/far1.png", "cat/h.png", "dog/b.png");
            dataset.Labels.Should().Equal(0, 0, 0, 1);
            Pass("loops, folder links, second and inward file links");
        }

        // 6. The root given by a link (the alias outside): the same four images, no copy through its real path.
        using (var viaAlias = ImageFolderDataset.Load(alias, Size4))
        {
            Relative(viaAlias, alias).Should().Equal("cat/a.png", "cat/far1.png", "cat/h.png", "dog/b.png");
            Pass("root given through a link");
        }

        // 7. A flat folder whose only entries are links to one file outside, a link to a folder and a loop.
        string flat = Directory.CreateDirectory(Path.Combine(_outside.Path, "flat")).FullName;
        File.CreateSymbolicLink(Path.Combine(flat, "one.png"), Path.Combine(_outside.Path, "far.png"));
        File.CreateSymbolicLink(Path.Combine(flat, "two.png"), Path.Combine(_outside.Path, "far.png"));
        Directory.CreateSymbolicLink(Path.Combine(flat, "up.png"), flat);
        using (var flatSet = ImageFolderDataset.Load(flat, Size4))
        {
            flatSet.Files.Select(Path.GetFileName).Should().Equal("one.png");
            using var bytes = flatSet.GetBytes([0]);
            bytes.data<byte>().ToArray().Should().AllBeEquivalentTo((byte)4, "the linked file is read through the link");
            Pass("flat folder of links");
        }

        _cases.Should().Be(ReliabilityCaseCounts.ImageFolderLinkCases);
        output.WriteLine($"{_cases} image folder link cases");
    }
}
