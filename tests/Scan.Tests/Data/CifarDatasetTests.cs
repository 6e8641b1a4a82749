using Scan.Core.Data;
using static Scan.Tests.Data.DatasetFileWriters;

namespace Scan.Tests.Data;

public class CifarDatasetTests : IDisposable
{
    private const int ImageBytes = 3 * 32 * 32;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes CIFAR-10's six files, two records each; image k's pixels come from seed k, its label is k % 10.</summary>
    private string WriteCifar10(string folder)
    {
        for (int file = 0; file < 6; file++)
        {
            string name = file < 5 ? $"data_batch_{file + 1}.bin" : "test_batch.bin";
            var records = Enumerable.Range(2 * file, 2).Select(k => (new[] { (byte)(k % 10) }, Bytes(ImageBytes, k))).ToList();
            File.WriteAllBytes(_folder.File(Path.Combine(folder, name)), CifarRecords(records));
        }

        return Path.Combine(_folder.Path, folder);
    }

    [Fact]
    public void Cifar10_train_reads_the_five_batches_in_order_with_labels_pixels_and_class_names()
    {
        string folder = WriteCifar10("cifar-10-batches-bin");

        using var train = CifarDataset.Open(folder, CifarVariant.Cifar10, CifarSplit.Train);
        using var bytes = train.GetBytes([0, 9, 3]);

        (train.Count, train.Channels, train.Height, train.Width).Should().Be((10, 3, 32, 32));
        train.Labels.Should().Equal(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        train.ClassNames.Should().Equal("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
        bytes.shape.Should().Equal(3, 3, 32, 32);
        // CIFAR stores 1,024 red, 1,024 green, 1,024 blue bytes: exactly (C, H, W) order.
        bytes.data<byte>().ToArray().Should().Equal(Bytes(ImageBytes, 0).Concat(Bytes(ImageBytes, 9)).Concat(Bytes(ImageBytes, 3)));
    }

    [Fact]
    public void Cifar10_test_split_is_found_inside_the_archive_folder_given_its_parent()
    {
        WriteCifar10("cifar-10-batches-bin");

        using var test = CifarDataset.Open(_folder.Path, CifarVariant.Cifar10, CifarSplit.Test);
        using var batch = test.GetBatch([1]);

        test.Count.Should().Be(2);
        test.Labels.Should().Equal(0, 1);
        batch.data<float>().ToArray().Should().Equal(Bytes(ImageBytes, 11).Select(b => b / 255f));
    }

    [Theory]
    [InlineData(CifarVariant.Cifar100Coarse, new[] { 19, 4 }, 20, "vehicles_2")]
    [InlineData(CifarVariant.Cifar100Fine, new[] { 99, 60 }, 100, "worm")]
    public void Cifar100_reads_coarse_or_fine_labels_from_the_same_records(CifarVariant variant, int[] labels, int classes, string lastClass)
    {
        // Record layout: coarse label byte, fine label byte, pixels.
        var records = new List<(byte[], byte[])> { ([19, 99], Bytes(ImageBytes, 1)), ([4, 60], Bytes(ImageBytes, 2)) };
        File.WriteAllBytes(_folder.File("cifar-100-binary/test.bin"), CifarRecords(records));

        using var test = CifarDataset.Open(_folder.Path, variant, CifarSplit.Test);
        using var bytes = test.GetBytes([1]);

        test.Variant.Should().Be(variant);
        test.Labels.Should().Equal(labels);
        test.ClassNames.Should().HaveCount(classes).And.EndWith(lastClass);
        bytes.data<byte>().ToArray().Should().Equal(Bytes(ImageBytes, 2));
    }

    [Fact]
    public void Rejects_a_truncated_file_naming_it_and_the_record_size()
    {
        string path = _folder.File("test_batch.bin");
        File.WriteAllBytes(path, CifarRecords([([1], Bytes(ImageBytes, 0)), ([2], Bytes(ImageBytes - 100, 1))]));

        var open = () => CifarDataset.OpenFiles([path], CifarVariant.Cifar10);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is {2 * 3073 - 100} bytes*multiple of 3073*");
    }

    [Fact]
    public void Rejects_a_cifar100_file_read_as_cifar10()
    {
        // Two CIFAR-100 records are 6,148 bytes: not a whole number of 3,073-byte CIFAR-10 records.
        string path = _folder.File("train.bin");
        File.WriteAllBytes(path, CifarRecords([([1, 2], Bytes(ImageBytes, 0)), ([3, 4], Bytes(ImageBytes, 1))]));

        var open = () => CifarDataset.OpenFiles([path], CifarVariant.Cifar10);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*3073-byte CIFAR-10*");
    }

    [Fact]
    public void Rejects_a_label_out_of_range_naming_the_file_and_the_image()
    {
        string path = _folder.File("test_batch.bin");
        File.WriteAllBytes(path, CifarRecords([([1], Bytes(ImageBytes, 0)), ([10], Bytes(ImageBytes, 1))]));

        var open = () => CifarDataset.OpenFiles([path], CifarVariant.Cifar10);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' gives image 1 the label 10; expected 0 to 9*");
    }

    [Fact]
    public void Rejects_an_empty_file()
    {
        string path = _folder.File("test.bin");
        File.WriteAllBytes(path, []);

        var open = () => CifarDataset.OpenFiles([path], CifarVariant.Cifar100Fine);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is 0 bytes*3074*");
    }

    [Fact]
    public void Reports_a_missing_batch_file_by_name()
    {
        string folder = WriteCifar10("cifar-10-batches-bin");
        File.Delete(Path.Combine(folder, "data_batch_3.bin"));

        var open = () => CifarDataset.Open(folder, CifarVariant.Cifar10, CifarSplit.Train);

        open.Should().Throw<FileNotFoundException>().Which.FileName.Should().EndWith("data_batch_3.bin");
    }

    [Fact]
    public void Reports_a_missing_folder()
    {
        var open = () => CifarDataset.Open(Path.Combine(_folder.Path, "absent"), CifarVariant.Cifar10, CifarSplit.Test);

        open.Should().Throw<DirectoryNotFoundException>().WithMessage("*absent*");
    }
}
