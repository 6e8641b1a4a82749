using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.Tests.Data;

public class DatasetViewTests
{
    private static byte[] Pixels(int count) => Enumerable.Range(0, count * 4).Select(i => (byte)(i * 7 % 256)).ToArray();

    [Fact]
    public void A_subset_reads_the_source_images_and_labels_at_its_indices()
    {
        using var source = InMemoryImageDataset.FromBytes(Pixels(5), 1, 2, 2, labels: [10, 11, 12, 13, 14]);

        var subset = (ImageDatasetSubset)source.Subset([4, 1, 4]);
        using var fromSubset = subset.GetBatch([0, 1, 2]);
        using var fromSource = source.GetBatch([4, 1, 4]);

        subset.Count.Should().Be(3);
        subset.Labels.Should().Equal(14, 11, 14);
        subset.Indices.Should().Equal(4, 1, 4);
        (subset.Channels, subset.Height, subset.Width).Should().Be((1, 2, 2));
        fromSubset.data<float>().ToArray().Should().Equal(fromSource.data<float>().ToArray());
    }

    [Fact]
    public void A_subset_rejects_indices_outside_its_source_and_outside_itself()
    {
        using var source = InMemoryImageDataset.FromBytes(Pixels(5), 1, 2, 2);

        var create = () => source.Subset([0, 5]);
        var read = () => source.Subset([0, 1]).GetBatch([2]);

        create.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*indices[1] = 5*5 images*");
        read.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*indices[0] = 2*2 images*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void Read_all_gives_every_image_in_order_whatever_the_batch_size(int batchSize)
    {
        var pixels = Pixels(7);
        using var dataset = InMemoryImageDataset.FromBytes(pixels, 1, 2, 2);

        using var floats = dataset.ReadAll(batchSize: batchSize);
        using var bytes = dataset.ReadAll(ScalarType.Byte, batchSize);

        floats.shape.Should().Equal(7, 1, 2, 2);
        floats.data<float>().ToArray().Should().Equal(pixels.Select(b => b / 255f));
        bytes.dtype.Should().Be(ScalarType.Byte);
        bytes.data<byte>().ToArray().Should().Equal(pixels);
    }

    [Fact]
    public void Read_all_rejects_other_dtypes()
    {
        using var dataset = InMemoryImageDataset.FromBytes(Pixels(1), 1, 2, 2);

        var read = () => dataset.ReadAll(ScalarType.Float64);

        read.Should().Throw<ArgumentException>().WithMessage("*Float32 or Byte, got Float64*");
    }
}
