using Scan.Augment.Ops;
using Scan.Augment.Recipes;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests;

/// <summary>Bad input fails early with an exception that names the argument, the value and what was expected.</summary>
public sealed class ValidationTests
{
    private static readonly IAugmentation AnyOp = new HorizontalFlip();

    [Fact]
    public void Wrong_rank_is_rejected()
    {
        using var images = torch.rand(3, 28, 28);
        using var generator = TestImages.Generator();

        var act = () => AnyOp.Apply(images, generator);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "images")
            .WithMessage("*(N, C, H, W)*rank 3*");
    }

    [Fact]
    public void Non_float_images_are_rejected()
    {
        using var images = torch.zeros([2, 1, 4, 4], ScalarType.Byte);
        using var generator = TestImages.Generator();

        var act = () => new Brightness().Apply(images, generator);

        act.Should().Throw<ArgumentException>().WithMessage("*float32*Byte*");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Channels_other_than_one_or_three_are_rejected(int channels)
    {
        using var images = torch.rand(2, channels, 4, 4);
        using var generator = TestImages.Generator();

        var act = () => AugmentationRecipes.SimClr(NormalizationStats.FashionMnist).Apply(images, generator);

        act.Should().Throw<ArgumentException>().WithMessage($"*1 (grayscale) or 3 (RGB) channels, got {channels}*");
    }

    [Fact]
    public void A_missing_generator_is_rejected()
    {
        using var images = torch.rand(2, 1, 4, 4);

        var act = () => AnyOp.Apply(images, null!);

        act.Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "generator");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Probabilities_outside_zero_to_one_are_rejected(double probability)
    {
        var constructors = new Func<object>[]
        {
            () => new HorizontalFlip(probability),
            () => new RandomGrayscale(probability),
            () => new RandomApply(probability, AnyOp),
        };

        foreach (var construct in constructors)
            construct.Should().Throw<ArgumentOutOfRangeException>()
                .Where(e => e.ParamName == "probability")
                .WithMessage($"*probability must be a probability in ?0, 1?, got {probability}*");
    }

    [Fact]
    public void Bad_magnitudes_are_rejected_with_their_name_and_value()
    {
        FluentActions.Invoking(() => new Rotate(10, 5)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "minDegrees").WithMessage("*minDegrees (10) must not exceed maxDegrees (5)*");
        FluentActions.Invoking(() => new ColorJitter(hue: 0.6)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "hue").WithMessage("*?0, 0.5?, got 0.6*");
        FluentActions.Invoking(() => new ColorJitter(brightness: -1)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "brightness");
        FluentActions.Invoking(() => new Posterize(0, 8)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "minBits").WithMessage("*?1, 8?, got 0*");
        FluentActions.Invoking(() => new ShearX(-2, 0)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "minShear");
        FluentActions.Invoking(() => new RandomResizedCrop(minScale: 0)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "minScale");
        FluentActions.Invoking(() => new RandomCrop(-1)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "padding").WithMessage("*got -1*");
        FluentActions.Invoking(() => new Cutout(0)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "size");
        FluentActions.Invoking(() => new RandAugment([], 4)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "ops");
        FluentActions.Invoking(() => new RandAugment([AnyOp], 0)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "numOps");
    }

    [Fact]
    public void Normalisation_statistics_are_validated()
    {
        FluentActions.Invoking(() => new NormalizationStats([0.5f, 0.5f], [0.2f, 0.2f])).Should().Throw<ArgumentException>()
            .WithMessage("*1 or 3 values*got 2*");
        FluentActions.Invoking(() => new NormalizationStats([0.5f], [0f])).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "std").WithMessage("*> 0, got 0*");
        FluentActions.Invoking(() => new NormalizationStats([0.5f], [0.2f, 0.3f, 0.4f])).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "std");
    }

    [Fact]
    public void Rgb_statistics_on_grey_images_are_rejected()
    {
        using var images = torch.rand(2, 1, 4, 4);
        using var generator = TestImages.Generator();

        var act = () => new Normalize(NormalizationStats.Cifar10).Apply(images, generator);

        act.Should().Throw<ArgumentException>().WithMessage("*1 channel(s)*3 values*");
    }

    [Fact]
    public void Recipe_options_out_of_range_name_the_option()
    {
        FluentActions.Invoking(() => AugmentationRecipes.SimClr(NormalizationStats.Cifar10, new SimClrViewOptions { FlipProbability = 2 }))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage("*SimClrViewOptions: FlipProbability must be a probability in ?0, 1?. Found 2.*");
        FluentActions.Invoking(() => AugmentationRecipes.Strong(NormalizationStats.Cifar10, new StrongViewOptions { NumOps = 0 }))
            .Should().Throw<ArgumentException>().WithMessage("*StrongViewOptions: NumOps must be >= 1. Found 0.*");
        FluentActions.Invoking(() => AugmentationRecipes.Strong(NormalizationStats.Cifar10, new StrongViewOptions { CutoutSize = 0 }))
            .Should().Throw<ArgumentException>().WithMessage("*StrongViewOptions: CutoutSize*Found 0.*");
        FluentActions.Invoking(() => AugmentationRecipes.Weak(NormalizationStats.Cifar10, new WeakViewOptions { CropPadding = -4 }))
            .Should().Throw<ArgumentException>().WithMessage("*WeakViewOptions: CropPadding*Found -4.*");
        FluentActions.Invoking(() => AugmentationRecipes.StrongOps(new StrongViewOptions { MinPosterizeBits = 6, MaxPosterizeBits = 5 }))
            .Should().Throw<ArgumentException>().WithMessage("*StrongViewOptions: MinPosterizeBits (6) must not exceed MaxPosterizeBits (5)*");
        // Every failure at once, not only the first.
        FluentActions.Invoking(() => AugmentationRecipes.SimClr(NormalizationStats.Cifar10, new SimClrViewOptions { Hue = 0.6, Brightness = -1 }))
            .Should().Throw<ArgumentException>().Where(e => e.Message.Contains("Hue") && e.Message.Contains("Brightness"));
        FluentActions.Invoking(() => AugmentationRecipes.Eval(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void RandomApply_rejects_an_op_that_changes_the_size()
    {
        using var images = torch.rand(4, 1, 8, 8);
        using var generator = TestImages.Generator();
        var shrink = Augmentation.Compose().RandomResizedCrop(4, 4).Build();

        var act = () => new RandomApply(1.0, shrink).Apply(images, generator);

        act.Should().Throw<InvalidOperationException>().WithMessage("*keep*image size*(4, 1, 8, 8)*(4, 1, 4, 4)*");
    }
}
