using System.Buffers.Binary;
using Scan.Core.Data;
using Xunit.Abstractions;
using static Scan.Tests.Data.DatasetFileWriters;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged IDX files (raw and gzip, images and labels) against <see cref="IdxDataset.Open(string, string?, IReadOnlyList{string}?)"/>,
/// which documents <see cref="InvalidDataException"/> naming the file for bad content.
/// </summary>
public sealed class IdxFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Count = 12, Rows = 7, Cols = 5;
    private static readonly string[] ClassNames = Enumerable.Range(0, 10).Select(c => $"class {c}").ToArray();
    private static readonly byte[] Images = IdxImages(Count, Rows, Cols, Bytes(Count * Rows * Cols, seed: 3));
    private static readonly byte[] Labels = IdxLabels(Enumerable.Range(0, Count).Select(i => (byte)(i % 10)).ToArray());

    private static readonly HeaderField[] ImageFields =
    [
        new("magic number", 0, 4, BigEndian: true), new("image count", 4, 4, BigEndian: true),
        new("rows", 8, 4, BigEndian: true), new("columns", 12, 4, BigEndian: true),
    ];

    private static readonly HeaderField[] LabelFields = [new("magic number", 0, 4, BigEndian: true), new("label count", 4, 4, BigEndian: true)];

    /// <summary>RFC 1952: modification time after the magic bytes, CRC-32 and length of the content at the end.</summary>
    private static readonly HeaderField[] GzipFields = [new("gzip mtime", 4, 4), new("gzip CRC-32", -8, 4), new("gzip ISIZE", -4, 4)];

    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Damaged_raw_and_gzip_image_files_are_rejected_or_read_in_bounds()
    {
        var fuzzer = new LoaderFuzzer("IdxDataset.Open, images file", output, typeof(InvalidDataException));
        string images = _folder.File("images"), labels = _folder.File("labels");
        File.WriteAllBytes(labels, Labels);
        void Load() => OpenAndRead(images, labels);

        fuzzer.Run(1200, new Mutator(101), Images, images, Load, ImageFields);
        fuzzer.Run(400, new Mutator(102), Gzip(Images), images, Load, GzipFields);
        fuzzer.Run(400, new Mutator(103), Images, images, Load, ImageFields, encode: Gzip);
        fuzzer.Finish(ReliabilityCaseCounts.IdxImageMutants);
    }

    [Fact]
    public void Damaged_raw_and_gzip_label_files_are_rejected_or_read_in_bounds()
    {
        var fuzzer = new LoaderFuzzer("IdxDataset.Open, labels file", output, typeof(InvalidDataException));
        string images = _folder.File("images"), labels = _folder.File("labels");
        File.WriteAllBytes(images, Images);
        void Load() => OpenAndRead(images, labels);

        fuzzer.Run(500, new Mutator(111), Labels, labels, Load, LabelFields);
        fuzzer.Run(250, new Mutator(112), Gzip(Labels), labels, Load, GzipFields);
        fuzzer.Run(250, new Mutator(113), Labels, labels, Load, LabelFields, encode: Gzip);
        fuzzer.Finish(ReliabilityCaseCounts.IdxLabelMutants);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_claiming_two_gigabytes_of_images_is_rejected_before_allocating_them(bool gzip)
    {
        // 2^31 bytes of 28x28 images; the file holds 2 MiB of incompressible pixels, so a gzip file of that size could
        // in principle (deflate's 1032:1 limit) expand to what the header claims, and only reading tells it cannot.
        int claimed = (int)((1L << 31) / 784);
        var content = IdxImages(claimed, 28, 28, Bytes(2 << 20, seed: 5));
        string path = _folder.File(gzip ? "huge.gz" : "huge");
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => IdxDataset.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*{claimed} images*");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"header claims {claimed:N0} images ({claimed * 784L:N0} bytes), gzip {gzip}: {allocated:N0} bytes allocated");
        allocated.Should().BeLessThan(64L << 20, "the claimed size must not be allocated before the data proves it");
    }

    [Fact]
    public void A_gzip_file_whose_trailer_length_disagrees_with_its_header_still_reads_exactly()
    {
        // The trailer's ISIZE is only a hint (a multi-member gzip file records only its last member): a wrong one must
        // neither break a valid file nor be trusted.
        var gz = Gzip(Images);
        BinaryPrimitives.WriteUInt32LittleEndian(gz.AsSpan(gz.Length - 4), 7);
        string path = _folder.File("images.gz");
        File.WriteAllBytes(path, gz);

        var act = () => IdxDataset.Open(path);
        act.Should().Throw<InvalidDataException>("GZipStream checks ISIZE at the end of the stream").WithMessage($"*{path}*");
    }

    private static void OpenAndRead(string images, string labels)
    {
        using var dataset = IdxDataset.Open(images, labels, ClassNames);
        using var batch = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
        dataset.Labels!.Count.Should().Be(dataset.Count);
    }
}
