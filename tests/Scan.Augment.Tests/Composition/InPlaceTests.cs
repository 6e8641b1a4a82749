using Scan.Augment.Internal;
using Scan.Augment.Ops;
using Scan.Augment.Recipes;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Composition;

/// <summary>Ops a pipeline runs in place on its own intermediates give exactly what Apply gives.</summary>
public sealed class InPlaceTests
{
    public static TheoryData<string> InPlaceOps() => ["jitter", "randomApplyJitter", "grayscale", "normalize", "cutout", "randAugment"];

    private static IAugmentation Op(string name) => name switch
    {
        "jitter" => new ColorJitter(),
        "randomApplyJitter" => new RandomApply(0.5, new ColorJitter()),
        "grayscale" => new RandomGrayscale(0.5),
        "normalize" => new Normalize(NormalizationStats.Cifar10),
        "cutout" => new Cutout(5),
        _ => new RandAugment(AugmentationRecipes.StrongOps(), 3),
    };

    [Theory]
    [MemberData(nameof(InPlaceOps))]
    public void In_place_equals_apply(string name)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(24, 3, 9, 11);
        var op = (IInPlaceAugmentation)Op(name);
        using var a = TestImages.Generator(7);
        using var b = TestImages.Generator(7);

        var applied = op.Apply(images, a);
        var overwritten = images.clone();
        op.ApplyInPlace(overwritten, b);

        overwritten.SameAs(applied).Should().BeTrue();
        overwritten.SameAs(images).Should().BeFalse("the op changed the batch");
    }

    [Fact]
    public void Pipeline_equals_its_ops_applied_one_after_another()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(24, 3, 12, 10);
        IAugmentation[] steps =
        [
            new Rotate(), new RandomApply(0.8, new ColorJitter()), new RandomGrayscale(), new RandAugment(AugmentationRecipes.StrongOps(), 2),
            new Normalize(NormalizationStats.Cifar10), new Cutout(),
        ];
        using var a = TestImages.Generator(8);
        using var b = TestImages.Generator(8);

        var piped = new AugmentationPipeline(steps).Apply(images, a);
        var manual = images;
        foreach (var step in steps)
            manual = step.Apply(manual, b);

        piped.SameAs(manual).Should().BeTrue();
    }
}
