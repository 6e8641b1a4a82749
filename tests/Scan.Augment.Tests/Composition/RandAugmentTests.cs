using Scan.Augment.Ops;
using Scan.Augment.Recipes;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Composition;

public sealed class RandAugmentTests
{
    [Fact]
    public void Each_sample_gets_exactly_num_ops_draws()
    {
        using var scope = torch.NewDisposeScope();
        // Brightness 0.5 halves, Identity keeps: after 4 draws each sample is 0.5^k for k of the 4 draws.
        var images = torch.ones(64, 1, 2, 3);
        using var generator = TestImages.Generator(12);

        var result = new RandAugment([new Brightness(0.5, 0.5), new Identity()], numOps: 4).Apply(images, generator);

        var perSample = TestImages.Values(result.amax([1, 2, 3]));
        var allowed = Enumerable.Range(0, 5).Select(k => (float)Math.Pow(0.5, k)).ToArray();
        perSample.Should().OnlyContain(v => allowed.Any(a => Math.Abs(a - v) < 1e-7f));
        perSample.Distinct().Count().Should().BeGreaterThanOrEqualTo(4, "the number of brightness draws varies per sample");
    }

    [Fact]
    public void Geometric_and_photometric_draws_mix_within_one_step()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(40, 3, 4, 8);
        using var generator = TestImages.Generator(2);

        var result = new RandAugment([new TranslateX(0.25, 0.25), new Solarize(0, 0)], numOps: 1).Apply(images, generator);

        var (shifted, inverted) = (0, 0);
        for (var i = 0; i < 40; i++)
        {
            var expectedShift = torch.zeros_like(images[i]);
            expectedShift.narrow(2, 2, 6).copy_(images[i].narrow(2, 0, 6));
            if (result[i].SameAs(expectedShift))
                shifted++;
            else if (result[i].SameAs(1 - images[i]))
                inverted++;
        }

        (shifted + inverted).Should().Be(40, "every sample got exactly one of the two ops");
        shifted.Should().BeInRange(8, 32);
    }

    [Fact]
    public void Scan_strong_ops_keep_values_finite_and_in_range_for_one_and_three_channels()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = TestImages.Generator(6);
        var strong = new RandAugment(AugmentationRecipes.StrongOps(), 4);

        foreach (var images in new[] { TestImages.Random(32, 1, 11, 7), TestImages.Random(32, 3, 8, 13) })
        {
            var result = strong.Apply(images, generator);
            result.shape.Should().Equal(images.shape);
            result.isfinite().all().item<bool>().Should().BeTrue();
            result.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
            result.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        }
    }

    [Fact]
    public void Scan_strong_ops_are_the_fourteen_of_the_paper()
    {
        AugmentationRecipes.StrongOps().Select(op => op.GetType().Name).Should().Equal(
            "Identity", "AutoContrast", "Equalize", "Rotate", "Solarize", "Color", "Posterize",
            "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateX", "TranslateY");
    }

    [Fact]
    public void An_op_that_changes_the_size_is_rejected()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(4, 3, 8, 8);
        using var generator = TestImages.Generator();
        var strong = new RandAugment([new RandomResizedCrop(4, 4)], 1);

        var act = () => strong.Apply(images, generator);

        act.Should().Throw<InvalidOperationException>().WithMessage("*keep the image size*RandomResizedCrop*");
    }
}
