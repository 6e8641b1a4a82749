using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.Tests.Data;

public class InMemoryImageDatasetTests
{
    [Fact]
    public void Returns_the_selected_images_of_a_float_tensor_from_its_own_copy()
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * 3 * 2 * 2, dtype: ScalarType.Float32).div_(100f).reshape(2, 3, 2, 2);
        using var dataset = new InMemoryImageDataset(images, [1, 0], ["a", "b"]);
        var expected = images[1].clone();
        images.zero_(); // later changes to the caller's tensor do not show

        var batch = dataset.GetBatch([1]);

        (dataset.Count, dataset.Channels, dataset.Height, dataset.Width).Should().Be((2, 3, 2, 2));
        dataset.Labels.Should().Equal(1, 0);
        dataset.ClassNames.Should().Equal("a", "b");
        batch.shape.Should().Equal(1, 3, 2, 2);
        batch.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
    }

    [Fact]
    public void From_bytes_infers_the_count_and_scales_by_255()
    {
        byte[] pixels = [0, 51, 102, 255, 10, 20, 30, 40];

        using var dataset = InMemoryImageDataset.FromBytes(pixels, channels: 1, height: 2, width: 2);
        using var batch = dataset.GetBatch([1, 0]);

        dataset.Count.Should().Be(2);
        batch.data<float>().ToArray().Should().Equal(pixels[4..].Concat(pixels[..4]).Select(b => b / 255f));
    }

    [Fact]
    public void From_images_concatenates_one_array_per_image()
    {
        using var dataset = InMemoryImageDataset.FromImages([[1, 2, 3], [4, 5, 6]], channels: 3, height: 1, width: 1, labels: [5, 6]);
        using var batch = dataset.GetBatch([1]);

        dataset.Labels.Should().Equal(5, 6);
        batch.data<float>().ToArray().Should().Equal(4 / 255f, 5 / 255f, 6 / 255f);
    }

    [Fact]
    public void Rejects_an_image_array_of_the_wrong_length_naming_it()
    {
        var create = () => InMemoryImageDataset.FromImages([[1, 2, 3], [4, 5]], 3, 1, 1);

        create.Should().Throw<ArgumentException>().WithMessage("*images[1] holds 2 bytes; expected 3*");
    }

    [Fact]
    public void Rejects_bytes_that_are_not_a_whole_number_of_images()
    {
        var create = () => InMemoryImageDataset.FromBytes(new byte[10], 1, 2, 2);

        create.Should().Throw<ArgumentException>().WithMessage("*10 bytes*1x2x2 images (4 bytes each)*");
    }

    [Fact]
    public void Rejects_float_values_outside_0_to_1()
    {
        using var images = full(new long[] { 1, 1, 2, 2 }, 1.5f);

        var create = () => new InMemoryImageDataset(images);

        create.Should().Throw<ArgumentException>().WithMessage("*[0, 1]*1.5*");
    }

    [Fact]
    public void Rejects_a_tensor_with_two_channels()
    {
        using var images = zeros(3, 2, 4, 4);

        var create = () => new InMemoryImageDataset(images);

        create.Should().Throw<ArgumentException>().WithMessage("*C of 1 or 3*(3, 2, 4, 4)*");
    }

    [Fact]
    public void Rejects_labels_that_do_not_match_the_images()
    {
        using var images = zeros(3, 1, 2, 2);

        var tooFew = () => new InMemoryImageDataset(images, [0, 1]);
        var beyondNames = () => new InMemoryImageDataset(images, [0, 1, 2], ["a", "b"]);

        tooFew.Should().Throw<ArgumentException>().WithMessage("*2 labels for 3 images*");
        beyondNames.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*labels[2] = 2; expected 0 to 1*");
    }
}
