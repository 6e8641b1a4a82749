using Scan.Augment.Ops;
using Scan.Augment.Recipes;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Recipes;

public sealed class RecipeTests
{
    public static TheoryData<string, int, int, int> RecipesAndShapes() => new()
    {
        { "simclr", 1, 28, 28 },
        { "simclr", 3, 20, 28 },
        { "strong", 1, 28, 28 },
        { "strong", 3, 28, 20 },
        { "weak", 1, 28, 28 },
        { "weak", 3, 12, 16 },
    };

    private static IAugmentation Recipe(string name, NormalizationStats stats) => name switch
    {
        "simclr" => AugmentationRecipes.SimClr(stats),
        "strong" => AugmentationRecipes.Strong(stats),
        "weak" => AugmentationRecipes.Weak(stats),
        _ => AugmentationRecipes.Eval(stats),
    };

    [Theory]
    [MemberData(nameof(RecipesAndShapes))]
    public void Same_seed_gives_identical_views_and_a_new_draw_gives_different_ones(string recipe, int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(16, channels, height, width);
        var augmentation = Recipe(recipe, NormalizationStats.FashionMnist);
        using var a = TestImages.Generator(99);
        using var b = TestImages.Generator(99);

        var first = augmentation.Apply(images, a);
        var again = augmentation.Apply(images, b);
        var second = augmentation.Apply(images, a);

        first.SameAs(again).Should().BeTrue("the same seed reproduces the views");
        first.SameAs(second).Should().BeFalse("the next draw gives a second, different view");
    }

    [Theory]
    [MemberData(nameof(RecipesAndShapes))]
    public void Samples_of_one_batch_get_different_parameters(string recipe, int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        // Identical samples: any difference between outputs comes from per-sample parameters.
        var images = TestImages.Random(1, channels, height, width).expand(12, -1, -1, -1).contiguous();
        using var generator = TestImages.Generator(5);

        var views = Recipe(recipe, NormalizationStats.FashionMnist).Apply(images, generator);

        var distinct = Enumerable.Range(0, 12).Select(i => string.Join(",", TestImages.Values(views[i]))).Distinct().Count();
        distinct.Should().BeGreaterThanOrEqualTo(recipe == "weak" ? 8 : 12);
    }

    [Theory]
    [MemberData(nameof(RecipesAndShapes))]
    public void Views_are_finite_and_in_range_before_normalisation(string recipe, int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(32, channels, height, width);
        using var generator = TestImages.Generator(8);
        var stats = NormalizationStats.FashionMnist;

        var views = Recipe(recipe, stats).Apply(images, generator);
        // Undo the normalisation: Cutout's 0 after normalisation is the mean, inside [0, 1] too.
        var unnormalised = views * stats.Std[0] + stats.Mean[0];

        views.shape.Should().Equal(images.shape);
        views.isfinite().all().item<bool>().Should().BeTrue();
        unnormalised.min().item<float>().Should().BeGreaterThanOrEqualTo(-1e-5f);
        unnormalised.max().item<float>().Should().BeLessThanOrEqualTo(1 + 1e-5f);
    }

    [Theory]
    [InlineData("simclr")]
    [InlineData("strong")]
    [InlineData("weak")]
    [InlineData("eval")]
    public void An_empty_batch_gives_an_empty_batch(string recipe)
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.zeros(0, 3, 8, 8);
        using var generator = TestImages.Generator();

        var views = Recipe(recipe, NormalizationStats.Cifar10).Apply(images, generator);

        views.shape.Should().Equal(0, 3, 8, 8);
    }

    [Fact]
    public void SimClr_resizes_to_the_requested_non_square_size()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(6, 3, 32, 32);
        using var generator = TestImages.Generator();

        var views = AugmentationRecipes.SimClr(NormalizationStats.Cifar10, new SimClrViewOptions { Height = 24, Width = 16 }).Apply(images, generator);

        views.shape.Should().Equal(6, 3, 24, 16);
    }

    [Fact]
    public void Eval_is_exactly_the_normalisation()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(3, 3, 4, 5);
        using var generator = TestImages.Generator();
        var stats = NormalizationStats.Cifar10;

        var result = AugmentationRecipes.Eval(stats).Apply(images, generator);

        var mean = torch.tensor(stats.Mean.ToArray()).view(1, 3, 1, 1);
        var std = torch.tensor(stats.Std.ToArray()).view(1, 3, 1, 1);
        result.SameAs((images - mean) / std).Should().BeTrue();
    }

    [Fact]
    public void Weak_views_are_whole_pixel_shifts_and_flips_of_the_input()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(8, 1, 10, 10);
        using var generator = TestImages.Generator(4);
        var stats = new NormalizationStats([0f], [1f]);

        var views = AugmentationRecipes.Weak(stats).Apply(images, generator);

        for (var i = 0; i < 8; i++)
        {
            var inputValues = TestImages.Values(images[i]).Append(0f).ToHashSet();
            TestImages.Values(views[i]).Should().OnlyContain(v => inputValues.Contains(v), "weak views copy pixels or pad with black");
        }
    }

    [Fact]
    public void Strong_recipe_follows_the_authors_order()
    {
        var pipeline = (AugmentationPipeline)AugmentationRecipes.Strong(NormalizationStats.Cifar10);

        pipeline.Steps.Select(s => s.GetType().Name).Should().Equal("HorizontalFlip", "RandomCrop", "RandAugment", "Normalize", "Cutout");
        ((RandAugment)pipeline.Steps[2]).NumOps.Should().Be(4);
        ((Cutout)pipeline.Steps[4]).Size.Should().BeNull("half the image by default");
    }

    [Fact]
    public void SimClr_recipe_uses_the_authors_cifar10_settings()
    {
        var pipeline = (AugmentationPipeline)AugmentationRecipes.SimClr(NormalizationStats.Cifar10);

        pipeline.Steps.Select(s => s.GetType().Name).Should().Equal("RandomResizedCrop", "HorizontalFlip", "RandomApply", "RandomGrayscale", "Normalize");
        var crop = (RandomResizedCrop)pipeline.Steps[0];
        (crop.MinScale, crop.MaxScale).Should().Be((0.2, 1.0));
        var jitter = (RandomApply)pipeline.Steps[2];
        jitter.Probability.Should().Be(0.8);
        var colorJitter = (ColorJitter)jitter.Augmentation;
        (colorJitter.Brightness, colorJitter.Contrast, colorJitter.Saturation, colorJitter.Hue).Should().Be((0.4, 0.4, 0.4, 0.1));
        ((RandomGrayscale)pipeline.Steps[3]).Probability.Should().Be(0.2);
    }

    [Fact]
    public void Named_statistics_have_the_published_values()
    {
        NormalizationStats.FashionMnist.Mean.Should().Equal(0.2860f);
        NormalizationStats.FashionMnist.Std.Should().Equal(0.3530f);
        NormalizationStats.Cifar10.Mean.Should().Equal(0.4914f, 0.4822f, 0.4465f);
        NormalizationStats.Cifar100.Std.Should().Equal(0.2675f, 0.2565f, 0.2761f);
        NormalizationStats.Stl10.Mean.Should().Equal(0.485f, 0.456f, 0.406f);
    }
}
