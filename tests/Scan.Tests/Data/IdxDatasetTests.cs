using Scan.Core.Data;
using static Scan.Tests.Data.DatasetFileWriters;
using static TorchSharp.torch;

namespace Scan.Tests.Data;

public class IdxDatasetTests : IDisposable
{
    private const int Count = 5, Rows = 3, Cols = 4;
    private static readonly byte[] Pixels = Bytes(Count * Rows * Cols, seed: 1);
    private static readonly byte[] LabelBytes = [3, 0, 9, 1, 3];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, byte[] content)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Round_trips_images_and_labels_from_raw_and_gzip_files(bool gzip)
    {
        var images = IdxImages(Count, Rows, Cols, Pixels);
        var labels = IdxLabels(LabelBytes);
        string imagesPath = Write("images", gzip ? Gzip(images) : images);
        string labelsPath = Write("labels", gzip ? Gzip(labels) : labels);

        using var dataset = IdxDataset.Open(imagesPath, labelsPath);
        using var batch = dataset.GetBatch([4, 0, 4]);

        (dataset.Count, dataset.Channels, dataset.Height, dataset.Width).Should().Be((Count, 1, Rows, Cols));
        dataset.Labels.Should().Equal(3, 0, 9, 1, 3);
        dataset.ClassNames.Should().BeNull();
        batch.shape.Should().Equal(3, 1, Rows, Cols);
        batch.dtype.Should().Be(ScalarType.Float32);
        const int image = Rows * Cols;
        var expected = Pixels[(4 * image)..(5 * image)].Concat(Pixels[..image]).Concat(Pixels[(4 * image)..(5 * image)])
            .Select(b => b / 255f);
        batch.data<float>().ToArray().Should().Equal(expected);
    }

    [Fact]
    public void Reads_stored_bytes_exactly()
    {
        using var dataset = IdxDataset.Open(Write("images", IdxImages(Count, Rows, Cols, Pixels)));
        using var bytes = dataset.GetBytes([1, 2]);

        bytes.dtype.Should().Be(ScalarType.Byte);
        bytes.data<byte>().ToArray().Should().Equal(Pixels[(Rows * Cols)..(3 * Rows * Cols)]);
    }

    [Fact]
    public void Opens_several_parts_as_one_dataset_in_order()
    {
        var second = Bytes(2 * Rows * Cols, seed: 2);
        using var dataset = IdxDataset.Open(
        [
            new IdxFilePair(Write("a-images", IdxImages(Count, Rows, Cols, Pixels)), Write("a-labels", IdxLabels(LabelBytes))),
            new IdxFilePair(Write("b-images.gz", Gzip(IdxImages(2, Rows, Cols, second))), Write("b-labels.gz", Gzip(IdxLabels([7, 8])))),
        ]);
        using var bytes = dataset.GetBytes([5, 6, 0]);

        dataset.Count.Should().Be(7);
        dataset.Labels.Should().Equal(3, 0, 9, 1, 3, 7, 8);
        bytes.data<byte>().ToArray().Should().Equal(second.Concat(Pixels[..(Rows * Cols)]));
    }

    [Fact]
    public void Class_names_are_kept_and_labels_must_fit_them()
    {
        string images = Write("images", IdxImages(Count, Rows, Cols, Pixels));
        string labels = Write("labels", IdxLabels(LabelBytes));
        var names = Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray();

        using (var dataset = IdxDataset.Open(images, labels, names))
            dataset.ClassNames.Should().Equal(names);

        var open = () => IdxDataset.Open(images, labels, names[..5]);
        open.Should().Throw<InvalidDataException>()
            .WithMessage($"*'{labels}'*image 2*label 9*expected 0 to 4*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_a_wrong_magic_number_naming_the_file_and_the_expected_value(bool gzip)
    {
        // A labels file where images are expected: magic 0x00000801 instead of 0x00000803.
        var content = IdxLabels(LabelBytes);
        string path = Write("images", gzip ? Gzip(content) : content);

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*0x00000801*expected 0x00000803*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_a_truncated_images_file_with_expected_and_found_sizes(bool gzip)
    {
        var content = IdxImages(Count, Rows, Cols, Pixels)[..^7];
        string path = Write("images", gzip ? Gzip(content) : content);

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}' is truncated*{Count} images of {Rows}x{Cols}*{Count * Rows * Cols} bytes*only {Count * Rows * Cols - 7}*");
    }

    [Theory]
    [InlineData(1_000_000, "*more than one array can hold*")] // 10^12 bytes
    [InlineData(1_000, "*more than its * compressed bytes can hold*")] // 10^9 bytes: an array could, the file cannot
    public void Rejects_a_compressed_file_whose_header_declares_more_than_it_can_hold_before_allocating(int count, string reason)
    {
        var content = IdxImages(Count, Rows, Cols, Pixels);
        DatasetFileWriters.Idx(0x00000803, [count, 1000, 1000], []).AsSpan(0, 16).CopyTo(content);
        string path = Write("images.gz", Gzip(content));

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*{reason}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_a_labels_file_whose_header_declares_more_labels_than_it_holds(bool gzip)
    {
        // 100 million labels declared, 5 present: for .gz, more than any deflate stream of this length can expand to.
        var content = DatasetFileWriters.Idx(0x00000801, [100_000_000], LabelBytes);
        string images = Write("images", IdxImages(Count, Rows, Cols, Pixels));
        string labels = Write("labels", gzip ? Gzip(content) : content);

        var open = () => IdxDataset.Open(images, labels);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{labels}' is truncated*100000000 labels*");
    }

    [Fact]
    public void Rejects_a_file_shorter_than_its_header()
    {
        string path = Write("images", IdxImages(Count, Rows, Cols, Pixels)[..10]);

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is truncated*header*");
    }

    [Fact]
    public void Rejects_a_file_longer_than_its_header_declares()
    {
        string path = Write("images", IdxImages(Count, Rows, Cols, Pixels).Concat(new byte[3]).ToArray());

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is longer*{Count * Rows * Cols} bytes*found {Count * Rows * Cols + 3}*");
    }

    [Fact]
    public void Rejects_a_label_count_different_from_the_image_count_naming_both_files()
    {
        string images = Write("images", IdxImages(Count, Rows, Cols, Pixels));
        string labels = Write("labels", IdxLabels(LabelBytes[..4]));

        var open = () => IdxDataset.Open(images, labels);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{labels}' holds 4 labels*'{images}' holds {Count} images*");
    }

    [Fact]
    public void Rejects_corrupt_gzip_data_naming_the_file()
    {
        var gzip = Gzip(IdxImages(Count, Rows, Cols, Pixels));
        for (int i = 20; i < gzip.Length - 8; i++)
            gzip[i] ^= 0x5A;
        string path = Write("images.gz", gzip);

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*");
    }

    [Fact]
    public void Rejects_parts_with_different_image_sizes()
    {
        string a = Write("a", IdxImages(Count, Rows, Cols, Pixels));
        string b = Write("b", IdxImages(1, Cols, Rows, Pixels[..(Rows * Cols)]));

        var open = () => IdxDataset.Open([new IdxFilePair(a), new IdxFilePair(b)]);

        open.Should().Throw<InvalidDataException>().WithMessage($"*'{b}' holds {Cols}x{Rows}*'{a}' holds {Rows}x{Cols}*");
    }

    [Fact]
    public void Reports_a_missing_file_by_name()
    {
        string path = Path.Combine(_folder.Path, "nowhere-idx3-ubyte");

        var open = () => IdxDataset.Open(path);

        open.Should().Throw<FileNotFoundException>().Which.FileName.Should().Be(path);
    }

    [Fact]
    public void Rejects_batch_indices_outside_the_dataset_naming_the_index()
    {
        using var dataset = IdxDataset.Open(Write("images", IdxImages(Count, Rows, Cols, Pixels)));

        var read = () => dataset.GetBatch([0, Count]);

        read.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*indices[1] = {Count}*expected 0 to {Count - 1}*");
    }

    [Fact]
    public void An_empty_batch_has_zero_rows()
    {
        using var dataset = IdxDataset.Open(Write("images", IdxImages(Count, Rows, Cols, Pixels)));
        using var batch = dataset.GetBatch([]);

        batch.shape.Should().Equal(0, 1, Rows, Cols);
    }

    [Fact]
    public void A_disposed_dataset_refuses_reads()
    {
        var dataset = IdxDataset.Open(Write("images", IdxImages(Count, Rows, Cols, Pixels)));
        dataset.Dispose();

        var read = () => dataset.GetBatch([0]);

        read.Should().Throw<ObjectDisposedException>();
    }
}
