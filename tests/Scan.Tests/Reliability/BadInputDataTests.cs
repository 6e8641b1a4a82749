using Scan.Core.Data;
using Scan.Tests.Data;
using Scan.Tests.Imaging;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>Bad arguments to the datasets' public entry points (file contents are fuzzed elsewhere).</summary>
public sealed class BadInputDataTests
{
    private static readonly Type Arg = typeof(ArgumentException);
    private static readonly Type Range = typeof(ArgumentOutOfRangeException);

    private static IEnumerable<BadInput> Rows()
    {
        yield return BadInput.Sync("InMemoryImageDataset: null images", () => new InMemoryImageDataset(null!), typeof(ArgumentNullException), "images");
        yield return BadInput.Sync("InMemoryImageDataset: rank 3", () => { using var t = rand(4, 16, 16); new InMemoryImageDataset(t); }, Arg, "images", "(4, 16, 16)");
        yield return BadInput.Sync("InMemoryImageDataset: 2 channels", () => { using var t = rand(4, 2, 8, 8); new InMemoryImageDataset(t); }, Arg, "images", "(4, 2, 8, 8)");
        yield return BadInput.Sync("InMemoryImageDataset: zero height", () => { using var t = rand(4, 1, 0, 8); new InMemoryImageDataset(t); }, Arg, "images", "(4, 1, 0, 8)");
        yield return BadInput.Sync("InMemoryImageDataset: pixel above 1", () => { using var t = full(new long[] { 2, 1, 4, 4 }, 2f); new InMemoryImageDataset(t); }, Arg, "images", "[0, 1]", "2");
        yield return BadInput.Sync("InMemoryImageDataset: negative pixel", () => { using var t = full(new long[] { 2, 1, 4, 4 }, -0.5f); new InMemoryImageDataset(t); }, Arg, "images", "-0.5");
        yield return BadInput.Sync("InMemoryImageDataset: int32 pixels", () => { using var t = zeros(new long[] { 2, 1, 4, 4 }, ScalarType.Int32); new InMemoryImageDataset(t); }, Arg, "images", "Int32");
        yield return BadInput.Sync("InMemoryImageDataset: too few labels", () => { using var t = rand(4, 1, 4, 4); new InMemoryImageDataset(t, new[] { 0, 1 }); }, Arg, "labels", "2 labels for 4 images");
        yield return BadInput.Sync("InMemoryImageDataset: negative label", () => { using var t = rand(2, 1, 4, 4); new InMemoryImageDataset(t, new[] { 0, -3 }); }, Range, "labels", "labels[1] = -3");
        yield return BadInput.Sync("InMemoryImageDataset: label without a class name", () => { using var t = rand(2, 1, 4, 4); new InMemoryImageDataset(t, new[] { 0, 2 }, new[] { "a", "b" }); }, Range, "labels", "labels[1] = 2");
        yield return BadInput.Sync("InMemoryImageDataset.FromBytes: not whole images", () => InMemoryImageDataset.FromBytes(new byte[17], 1, 4, 4), Arg, "pixels", "17 bytes");
        yield return BadInput.Sync("InMemoryImageDataset.FromBytes: 4 channels", () => InMemoryImageDataset.FromBytes(new byte[64], 4, 4, 4), Range, "channels", "4");
        yield return BadInput.Sync("InMemoryImageDataset.FromBytes: zero width", () => InMemoryImageDataset.FromBytes(new byte[16], 1, 4, 0), Range, "width", "0");
        yield return BadInput.Sync("InMemoryImageDataset.FromImages: images of mixed sizes",
            () => InMemoryImageDataset.FromImages(new[] { new byte[16], new byte[25], new byte[16] }, 1, 4, 4), Arg, "images", "images[1] holds 25 bytes", "expected 16");
        yield return BadInput.Sync("InMemoryImageDataset.FromImages: null image",
            () => InMemoryImageDataset.FromImages(new[] { new byte[16], null! }, 1, 4, 4), Arg, "images", "images[1] holds null");
        yield return BadInput.Sync("InMemoryImageDataset.GetBatch: index = Count", () => Small().GetBatch(new[] { 0, 4 }), Range, "indices", "indices[1] = 4", "0 to 3");
        yield return BadInput.Sync("InMemoryImageDataset.GetBatch: negative index", () => Small().GetBatch(new[] { -1 }), Range, "indices", "indices[0] = -1");
        yield return BadInput.Sync("Subset: index outside the source", () => Small().Subset(new[] { 1, 9 }), Range, "indices", "indices[1] = 9");
        yield return BadInput.Sync("ReadAll: int32", () => Small().ReadAll(ScalarType.Int32), Arg, "dtype", "Int32");
        yield return BadInput.Sync("ReadAll: batch size 0", () => Small().ReadAll(batchSize: 0), Range, "batchSize", "0");
        yield return BadInput.Sync("ImageFolderDataset.Load: empty root", () => ImageFolderDataset.Load("", new ImageFolderOptions { Height = 8, Width = 8 }), Arg, "root");
        yield return BadInput.Sync("ImageFolderDataset.Load: null options", () => ImageFolderDataset.Load("x", null!), typeof(ArgumentNullException), "options");
        yield return BadInput.Sync("ImageFolderDataset.Load: height 0", () => ImageFolderDataset.Load("x", new ImageFolderOptions { Height = 0, Width = 8 }), Arg, "options", "ImageFolderOptions: Height", "Found 0.");
        yield return BadInput.Sync("ImageFolderDataset.Load: width -5", () => ImageFolderDataset.Load("x", new ImageFolderOptions { Height = 8, Width = -5 }), Arg, "options", "ImageFolderOptions: Width", "Found -5.");
        yield return BadInput.Sync("ImageFolderDataset.Load: parallelism 0", () => ImageFolderDataset.Load("x", new ImageFolderOptions { Height = 8, Width = 8, MaxDegreeOfParallelism = 0 }), Arg, "options", "ImageFolderOptions: MaxDegreeOfParallelism", "Found 0.");
        yield return BadInput.Sync("ImageFolderDataset.Load: missing folder", () => ImageFolderDataset.Load("/nonexistent/scan-images", new ImageFolderOptions { Height = 8, Width = 8 }), typeof(DirectoryNotFoundException), null, "/nonexistent/scan-images");
        yield return BadInput.Sync("ImageFolderDataset.Load: empty folder", () =>
        {
            using var folder = new TempFolder();
            ImageFolderDataset.Load(folder.Path, new ImageFolderOptions { Height = 8, Width = 8 });
        }, typeof(InvalidDataException), null, "holds no image files");
    }

    private static InMemoryImageDataset Small()
    {
        using var images = rand(4, 1, 4, 4);
        return new InMemoryImageDataset(images);
    }

    public static TheoryData<string> Names() => BadInputTable.Names(Rows());

    [Theory]
    [MemberData(nameof(Names))]
    public Task Is_refused_naming_the_argument_and_the_value(string row) => BadInputTable.Check(Rows(), row);

    /// <summary>Files of different sizes are not an error for an image folder: every image is resized to the requested size.</summary>
    [Fact]
    public void An_image_folder_with_images_of_mixed_sizes_is_resized_to_one_size()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("a/wide.png"), ImageFileWriters.Encode(SKEncodedImageFormat.Png, 40, 10, (x, y) => ((byte)x, 0, 0)));
        File.WriteAllBytes(folder.File("a/tall.png"), ImageFileWriters.Encode(SKEncodedImageFormat.Png, 7, 31, (x, y) => (0, (byte)y, 0)));
        File.WriteAllBytes(folder.File("b/tiny.bmp"), ImageFileWriters.Bmp(2, 3, (x, y) => (255, 255, 255)));
        using var dataset = ImageFolderDataset.Load(folder.Path, new ImageFolderOptions { Height = 12, Width = 16, ColorMode = ColorMode.Grayscale });
        (dataset.Count, dataset.Channels, dataset.Height, dataset.Width).Should().Be((3, 1, 12, 16));
        using var all = dataset.ReadAll();
        all.shape.Should().Equal(3, 1, 12, 16);
        dataset.Labels.Should().Equal(0, 0, 1);
    }
}
