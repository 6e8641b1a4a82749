using System.Security.Cryptography;
using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.Tests.Data;

public class FashionMnistTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_bundled_test_split_has_the_expected_shape_labels_and_pixel_checksum()
    {
        using var test = FashionMnist.LoadBundled(RepositoryPaths.SearchFrom);
        using var bytes = test.ReadAll(ScalarType.Byte, batchSize: 4096);

        (test.Count, test.Channels, test.Height, test.Width).Should().Be((10000, 1, 28, 28));
        bytes.shape.Should().Equal(10000, 1, 28, 28);
        test.Labels!.GroupBy(l => l).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()))
            .Should().Equal(Enumerable.Range(0, 10).Select(c => (c, 1000)));
        test.ClassNames.Should().Equal("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
        // Independently computed from the .gz files with Python's gzip, skipping the 16-byte IDX header and the
        // 8-byte label header:
        //   /usr/bin/python3 -c "import gzip, hashlib; d = gzip.open('data/fashion-mnist/t10k-images-idx3-ubyte.gz').read()[16:];
        //   l = gzip.open('data/fashion-mnist/t10k-labels-idx1-ubyte.gz').read()[8:];
        //   print(len(d), sum(d), hashlib.sha256(d).hexdigest(), list(l[:10]), sum(d[:784]))"
        //   -> 7840000 573469082 c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a [9, 2, 1, 1, 6, 1, 4, 6, 5, 7] 33456
        var pixels = bytes.data<byte>().ToArray();
        pixels.Length.Should().Be(7840000);
        pixels.Sum(b => (long)b).Should().Be(573469082);
        Convert.ToHexStringLower(SHA256.HashData(pixels)).Should().Be("c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a");
        test.Labels!.Take(10).Should().Equal(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
    }

    [Fact]
    public void Float_batches_of_the_bundled_data_are_the_bytes_over_255()
    {
        using var scope = NewDisposeScope();
        using var test = FashionMnist.LoadBundled(RepositoryPaths.SearchFrom);
        var batch = test.GetBatch([0]);

        batch.shape.Should().Equal(1, 1, 28, 28);
        // Pixel sum of image 0 is 33456 (see the checksum test).
        batch.sum().item<float>().Should().BeApproximately(33456 / 255f, 1e-2f);
        batch.max().item<float>().Should().BeLessThanOrEqualTo(1f);
    }

    [Fact]
    public void All_reads_train_then_test_from_a_folder_with_the_distributed_names()
    {
        // Stand-in for the full set: the bundled test files serve as "train" (gzip) and, decompressed, as "t10k" (raw).
        string bundled = FashionMnist.FindBundledDirectory(RepositoryPaths.SearchFrom);
        File.Copy(Path.Combine(bundled, "t10k-images-idx3-ubyte.gz"), _folder.File("train-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(bundled, "t10k-labels-idx1-ubyte.gz"), _folder.File("train-labels-idx1-ubyte.gz"));
        Decompress(Path.Combine(bundled, "t10k-images-idx3-ubyte.gz"), _folder.File("t10k-images-idx3-ubyte"));
        Decompress(Path.Combine(bundled, "t10k-labels-idx1-ubyte.gz"), _folder.File("t10k-labels-idx1-ubyte"));

        using var all = FashionMnist.Load(FashionMnistSplit.All, _folder.Path);
        using var train = FashionMnist.Load(FashionMnistSplit.Train, _folder.Path);
        using var scope = NewDisposeScope();
        var pair = all.GetBytes([3, 10003]);

        all.Count.Should().Be(20000);
        train.Count.Should().Be(10000);
        all.Labels!.Skip(10000).Take(10).Should().Equal(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
        pair[0].data<byte>().ToArray().Should().Equal(pair[1].data<byte>().ToArray());
    }

    [Fact]
    public void A_missing_file_is_reported_by_its_distributed_name()
    {
        string bundled = FashionMnist.FindBundledDirectory(RepositoryPaths.SearchFrom);
        File.Copy(Path.Combine(bundled, "t10k-images-idx3-ubyte.gz"), _folder.File("t10k-images-idx3-ubyte.gz"));

        var load = () => FashionMnist.Load(FashionMnistSplit.Test, _folder.Path);

        load.Should().Throw<FileNotFoundException>().WithMessage("*t10k-labels-idx1-ubyte.gz*");
    }

    [Fact]
    public void A_missing_folder_is_reported_with_how_to_get_the_data()
    {
        var load = () => FashionMnist.Load(FashionMnistSplit.All, Path.Combine(_folder.Path, "absent"));

        load.Should().Throw<DirectoryNotFoundException>().WithMessage("*absent*dataset-fashion-mnist*");
    }

    [Fact]
    public void Searching_for_the_bundled_data_outside_the_repository_says_where_it_looked()
    {
        var find = () => FashionMnist.FindBundledDirectory(_folder.Path);

        find.Should().Throw<DirectoryNotFoundException>().WithMessage($"*data/fashion-mnist*'{_folder.Path}'*");
    }

    private static void Decompress(string gzipPath, string target)
    {
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(gzipPath), System.IO.Compression.CompressionMode.Decompress);
        using var output = File.Create(target);
        input.CopyTo(output);
    }
}
