using Scan.Augment.Internal;
using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Geometric;

/// <summary>Geometric ops against exact pixel permutations and shifts computed independently with tensor indexing.</summary>
public sealed class GeometricOpTests
{
    [Theory]
    [InlineData(1, 5, 7)]
    [InlineData(3, 6, 4)]
    public void Flip_with_probability_one_mirrors_every_sample_exactly(int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(3, channels, height, width);
        using var generator = TestImages.Generator();

        var flipped = new HorizontalFlip(1.0).Apply(images, generator);

        flipped.SameAs(images.flip(3)).Should().BeTrue();
    }

    [Fact]
    public void Flip_with_probability_zero_returns_an_equal_copy()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(2, 3, 4, 5);
        using var generator = TestImages.Generator();

        var result = new HorizontalFlip(0.0).Apply(images, generator);

        result.SameAs(images).Should().BeTrue();
        result.Handle.Should().NotBe(images.Handle, "the caller owns a new tensor");
    }

    [Fact]
    public void Flip_at_one_half_flips_some_samples_and_keeps_the_others()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(64, 1, 3, 4);
        using var generator = TestImages.Generator(5);

        var result = new HorizontalFlip(0.5).Apply(images, generator);

        var flippedCount = 0;
        for (var i = 0; i < 64; i++)
        {
            var sample = result[i];
            var isFlipped = sample.SameAs(images[i].flip(2));
            (isFlipped || sample.SameAs(images[i])).Should().BeTrue($"sample {i} is either flipped or untouched");
            flippedCount += isFlipped ? 1 : 0;
        }

        // Binomial(64, 0.5): outside [16, 48] has probability below 1e-4; the seed is fixed anyway.
        flippedCount.Should().BeInRange(16, 48);
    }

    [Theory]
    [InlineData(5, Interpolation.Nearest)]
    [InlineData(6, Interpolation.Nearest)]
    [InlineData(6, Interpolation.Bilinear)]
    public void Rotate_by_a_quarter_turn_is_transpose_and_flip(int size, Interpolation interpolation)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(2, 3, size, size);
        using var generator = TestImages.Generator();

        var counterClockwise = new Rotate(90, 90, interpolation).Apply(images, generator);
        var clockwise = new Rotate(-90, -90, interpolation).Apply(images, generator);
        var halfTurn = new Rotate(180, 180, interpolation).Apply(images, generator);

        // Counter-clockwise: the top row becomes the left column, read bottom to top.
        TestImages.MaxAbsDifference(counterClockwise, images.transpose(2, 3).flip(2)).Should().BeLessThan(1e-6f);
        TestImages.MaxAbsDifference(clockwise, images.transpose(2, 3).flip(3)).Should().BeLessThan(1e-6f);
        TestImages.MaxAbsDifference(halfTurn, images.flip(2, 3)).Should().BeLessThan(1e-6f);
    }

    [Theory]
    [InlineData(0.25, 2)]
    [InlineData(-0.375, -3)]
    public void TranslateX_by_whole_pixels_shifts_exactly_and_fills_black(double fraction, int pixels)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(2, 3, 5, 8);
        using var generator = TestImages.Generator();

        var shifted = new TranslateX(fraction, fraction).Apply(images, generator);

        var expected = Shift(images, 0, pixels);
        shifted.SameAs(expected).Should().BeTrue();
    }

    [Fact]
    public void TranslateY_by_whole_pixels_shifts_exactly_on_a_non_square_image()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(2, 1, 12, 5);
        using var generator = TestImages.Generator();

        var shifted = new TranslateY(-0.25, -0.25).Apply(images, generator);

        shifted.SameAs(Shift(images, -3, 0)).Should().BeTrue();
    }

    [Fact]
    public void ShearX_moves_each_row_by_factor_times_its_distance_from_the_centre_row()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(1, 1, 5, 9);
        using var generator = TestImages.Generator();

        // Factor 1 on 5 rows: rows at centred y = -2..2 sample x + y, i.e. content moves by -y pixels.
        var sheared = new ShearX(1, 1).Apply(images, generator);

        for (var row = 0; row < 5; row++)
        {
            var y = row - 2;
            var expectedRow = Shift(images.narrow(2, row, 1), 0, -y);
            sheared.narrow(2, row, 1).SameAs(expectedRow).Should().BeTrue($"row {row}");
        }
    }

    [Fact]
    public void ShearY_moves_each_column_by_factor_times_its_distance_from_the_centre_column()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(1, 3, 9, 5);
        using var generator = TestImages.Generator();

        var sheared = new ShearY(-1, -1).Apply(images, generator);

        for (var column = 0; column < 5; column++)
        {
            var x = column - 2;
            var expectedColumn = Shift(images.narrow(3, column, 1), x, 0);
            sheared.narrow(3, column, 1).SameAs(expectedColumn).Should().BeTrue($"column {column}");
        }
    }

    [Fact]
    public void RandomCrop_shifts_each_sample_by_whole_pixels_within_the_padding()
    {
        using var scope = torch.NewDisposeScope();
        const int padding = 2;
        var images = TestImages.Ramp(16, 3, 6, 7);
        using var generator = TestImages.Generator(3);

        var cropped = new RandomCrop(padding).Apply(images, generator);

        var shifts = new HashSet<(int, int)>();
        for (var i = 0; i < 16; i++)
        {
            var matches = new List<(int, int)>();
            for (var dy = -padding; dy <= padding; dy++)
                for (var dx = -padding; dx <= padding; dx++)
                    if (cropped[i].SameAs(Shift(images[i].unsqueeze(0), dy, dx)[0]))
                        matches.Add((dy, dx));
            matches.Should().ContainSingle($"sample {i} is the input shifted by one whole-pixel offset");
            shifts.Add(matches[0]);
        }

        shifts.Count.Should().BeGreaterThan(4, "each sample draws its own offset");
    }

    [Fact]
    public void Crop_map_of_an_integer_box_at_its_own_size_is_an_exact_slice()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(2, 3, 7, 9);
        var map = RandomResizedCrop.CropTransform(top: 1, left: 2, boxH: 3, boxW: 4, height: 7, width: 9, outH: 3, outW: 4);

        var sampling = new AffineSampling(Interpolation.Bilinear, AffinePadding.Border);
        var crop = AffineResampler.Resample(images, [map, map], 3, 4, sampling);

        TestImages.MaxAbsDifference(crop, images.narrow(2, 1, 3).narrow(3, 2, 4)).Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void RandomResizedCrop_of_full_scale_on_a_square_image_keeps_the_image()
    {
        // With scale 1 every accepted box is the whole 8x8 image (see torchvision's rounding), and so is the fallback.
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(4, 3, 8, 8);
        using var generator = TestImages.Generator();

        var result = new RandomResizedCrop(minScale: 1, maxScale: 1).Apply(images, generator);

        TestImages.MaxAbsDifference(result, images).Should().BeLessThan(1e-6f);
    }

    [Theory]
    [InlineData(1, 28, 20, null, null, 28, 20)]
    [InlineData(3, 20, 28, 16, 24, 16, 24)]
    public void RandomResizedCrop_gives_the_requested_size(int channels, int height, int width, int? outH, int? outW, int expectedH, int expectedW)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(5, channels, height, width);
        using var generator = TestImages.Generator();

        var result = new RandomResizedCrop(outH, outW).Apply(images, generator);

        result.shape.Should().Equal(5, channels, expectedH, expectedW);
        var values = TestImages.Values(result);
        values.Should().OnlyContain(v => v >= 0f && v <= 1f);
    }

    [Fact]
    public void RandomResizedCrop_draws_boxes_inside_the_image_with_area_and_ratio_in_range()
    {
        IAffineAugmentation crop = new RandomResizedCrop(minScale: 0.2, maxScale: 1.0);
        using var generator = TestImages.Generator(11);
        const long height = 28, width = 20;

        var maps = crop.DrawTransforms(200, height, width, generator);

        foreach (var map in maps)
        {
            // Scale back from the map: box size = scale * output size; box centre = offset + image centre.
            var (boxW, boxH) = (map.A * width, map.E * height);
            var (left, top) = (map.C + width / 2.0 - boxW / 2, map.F + height / 2.0 - boxH / 2);
            left.Should().BeGreaterThanOrEqualTo(-1e-9);
            top.Should().BeGreaterThanOrEqualTo(-1e-9);
            (left + boxW).Should().BeLessThanOrEqualTo(width + 1e-9);
            (top + boxH).Should().BeLessThanOrEqualTo(height + 1e-9);
            // Whole-pixel boxes, as torchvision; their area is the rounded U(0.2, 1) target.
            boxW.Should().BeApproximately(Math.Round(boxW), 1e-9);
            (boxW * boxH / (height * width)).Should().BeInRange(0.15, 1.0);
        }

        maps.Select(m => (m.A, m.E, m.C, m.F)).Distinct().Count().Should().BeGreaterThan(150, "every sample draws its own box");
    }

    /// <summary>The batch moved by (dy, dx) whole pixels, zeros entering: out[y, x] = in[y − dy, x − dx].</summary>
    private static Tensor Shift(Tensor images, int dy, int dx)
    {
        var (h, w) = (images.shape[2], images.shape[3]);
        var result = torch.zeros_like(images);
        var rows = h - Math.Abs(dy);
        var cols = w - Math.Abs(dx);
        if (rows <= 0 || cols <= 0)
            return result;
        var source = images.narrow(2, Math.Max(0, -dy), rows).narrow(3, Math.Max(0, -dx), cols);
        result.narrow(2, Math.Max(0, dy), rows).narrow(3, Math.Max(0, dx), cols).copy_(source);
        return result;
    }
}
