using Scan.Core.Data;
using static Scan.Tests.Data.DatasetFileWriters;

namespace Scan.Tests.Data;

public class Stl10DatasetTests : IDisposable
{
    private const int ImageBytes = 3 * 96 * 96;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A pixel value that differs between rows and columns, so a missing transpose shows.</summary>
    private static byte Pixel(int n, int c, int y, int x) => (byte)(n * 50 + c * 7 + y * 3 + x * 11);

    private string WriteSplit(string prefix, int count, byte[]? labels)
    {
        File.WriteAllBytes(_folder.File($"stl10_binary/{prefix}_X.bin"), Stl10Images(count, Pixel));
        if (labels is not null)
            File.WriteAllBytes(_folder.File($"stl10_binary/{prefix}_y.bin"), labels);
        return Path.Combine(_folder.Path, "stl10_binary");
    }

    [Fact]
    public void Reads_column_major_planes_as_rows_and_maps_labels_1_to_10_onto_0_to_9()
    {
        WriteSplit("test", 3, [1, 10, 4]);

        using var test = Stl10Dataset.Open(_folder.Path, Stl10Split.Test);
        using var bytes = test.GetBytes([2, 0]);

        (test.Count, test.Channels, test.Height, test.Width).Should().Be((3, 3, 96, 96));
        test.Labels.Should().Equal(0, 9, 3);
        test.ClassNames.Should().Equal("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck");
        bytes.shape.Should().Equal(2, 3, 96, 96);
        var expected = new List<byte>();
        foreach (int n in new[] { 2, 0 })
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 96; y++)
                    for (int x = 0; x < 96; x++)
                        expected.Add(Pixel(n, c, y, x));
        bytes.data<byte>().ToArray().Should().Equal(expected);
    }

    [Fact]
    public void Float_batches_are_the_bytes_over_255()
    {
        string folder = WriteSplit("train", 2, [5, 6]);

        using var train = Stl10Dataset.Open(folder, Stl10Split.Train);
        using var bytes = train.GetBytes([1]);
        using var batch = train.GetBatch([1]);

        batch.data<float>().ToArray().Should().Equal(bytes.data<byte>().ToArray().Select(b => b / 255f));
    }

    [Fact]
    public void Train_and_unlabeled_are_read_together_without_labels()
    {
        WriteSplit("train", 2, [1, 2]);
        WriteSplit("unlabeled", 3, null);

        using var both = Stl10Dataset.Open(_folder.Path, Stl10Split.TrainAndUnlabeled);
        using var unlabeled = Stl10Dataset.Open(_folder.Path, Stl10Split.Unlabeled);
        using var fromBoth = both.GetBytes([4]);
        using var fromUnlabeled = unlabeled.GetBytes([2]);

        both.Count.Should().Be(5);
        both.Labels.Should().BeNull();
        unlabeled.Labels.Should().BeNull();
        fromBoth.data<byte>().ToArray().Should().Equal(fromUnlabeled.data<byte>().ToArray());
    }

    [Fact]
    public void Rejects_a_truncated_images_file_naming_it_and_the_image_size()
    {
        string path = _folder.File("test_X.bin");
        File.WriteAllBytes(path, Stl10Images(2, Pixel)[..^1]);

        var open = () => Stl10Dataset.OpenFiles(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is {2 * ImageBytes - 1} bytes*multiple of {ImageBytes}*");
    }

    [Fact]
    public void Rejects_a_label_count_different_from_the_image_count()
    {
        string images = _folder.File("test_X.bin"), labels = _folder.File("test_y.bin");
        File.WriteAllBytes(images, Stl10Images(2, Pixel));
        File.WriteAllBytes(labels, [1, 2, 3]);

        var open = () => Stl10Dataset.OpenFiles(images, labels);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{labels}' holds 3 labels*'{images}' holds 2 images*");
    }

    [Fact]
    public void Rejects_a_zero_label_because_stl10_labels_are_1_based()
    {
        string images = _folder.File("train_X.bin"), labels = _folder.File("train_y.bin");
        File.WriteAllBytes(images, Stl10Images(2, Pixel));
        File.WriteAllBytes(labels, [3, 0]);

        var open = () => Stl10Dataset.OpenFiles(images, labels);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{labels}' gives image 1 the label 0; expected 1 to 10*");
    }

    [Fact]
    public void Reports_a_missing_labels_file_by_name()
    {
        string folder = WriteSplit("train", 1, null);

        var open = () => Stl10Dataset.Open(folder, Stl10Split.Train);

        open.Should().Throw<FileNotFoundException>().Which.FileName.Should().EndWith("train_y.bin");
    }
}
