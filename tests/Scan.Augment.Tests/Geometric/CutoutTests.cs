using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Geometric;

public sealed class CutoutTests
{
    [Fact]
    public void Holes_zero_exactly_the_given_squares_clipped_at_the_borders()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(3, 3, 6, 8);
        long[] top = [1, -2, 4];
        long[] left = [2, 5, -1];
        long[] sides = [3, 4, 5];

        var result = Cutout.CutoutHoles(images, top, left, sides, fill: 0f);

        var expected = images.clone();
        for (var i = 0; i < 3; i++)
            for (var y = 0; y < 6; y++)
                for (var x = 0; x < 8; x++)
                    if (y >= top[i] && y < top[i] + sides[i] && x >= left[i] && x < left[i] + sides[i])
                        expected[i, TensorIndex.Colon, y, x] = torch.zeros(3);
        result.SameAs(expected).Should().BeTrue();
    }

    [Theory]
    [InlineData(1, 12, 12, 4)]
    [InlineData(3, 10, 16, 5)]
    public void Each_sample_gets_one_hole_of_the_fixed_side_unless_clipped(int channels, int height, int width, int side)
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.ones(40, channels, height, width);
        using var generator = TestImages.Generator(2);

        var result = new Cutout(side, randomSize: false).Apply(images, generator);

        var boxes = new HashSet<(int, int, int, int)>();
        for (var i = 0; i < 40; i++)
        {
            var (top, left, h, w) = HoleOf(result[i]);
            h.Should().BeLessThanOrEqualTo(side);
            w.Should().BeLessThanOrEqualTo(side);
            if (top > 0 && left > 0 && top + h < height && left + w < width)
                (h, w).Should().Be((side, side), $"sample {i}'s hole does not touch a border");
            boxes.Add((top, left, h, w));
        }

        boxes.Count.Should().BeGreaterThan(20, "every sample draws its own centre");
    }

    [Fact]
    public void Default_side_is_at_most_half_the_shorter_side_and_drawn_per_sample()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.ones(60, 1, 16, 24);
        using var generator = TestImages.Generator(4);

        var result = new Cutout().Apply(images, generator);

        var sides = new HashSet<int>();
        for (var i = 0; i < 60; i++)
        {
            var (top, left, h, w) = HoleOf(result[i]);
            Math.Max(h, w).Should().BeLessThanOrEqualTo(8);
            if (top > 0 && left > 0 && top + h < 16 && left + w < 24)
                sides.Add(h);
        }

        sides.Count.Should().BeGreaterThan(3, "the side is uniform in 1..8 per sample");
    }

    /// <summary>The bounding box of the zeros of a (C, H, W) image of ones, checking that the zeros fill it.</summary>
    private static (int Top, int Left, int Height, int Width) HoleOf(Tensor image)
    {
        var zeros = image.eq(0);
        zeros.all(0).SameAs(zeros.any(0)).Should().BeTrue("the hole covers all channels");
        var mask = zeros.any(0);
        var rows = mask.any(1).nonzero().flatten();
        var cols = mask.any(0).nonzero().flatten();
        rows.numel().Should().BeGreaterThan(0, "every sample has a hole");
        var (top, bottom) = (rows.min().item<long>(), rows.max().item<long>());
        var (left, right) = (cols.min().item<long>(), cols.max().item<long>());
        var (h, w) = ((int)(bottom - top + 1), (int)(right - left + 1));
        mask.sum().item<long>().Should().Be(h * w, "the zeros form one filled rectangle");
        return ((int)top, (int)left, h, w);
    }
}
