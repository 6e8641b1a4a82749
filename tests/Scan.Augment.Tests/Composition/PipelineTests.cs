using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Composition;

public sealed class PipelineTests
{
    [Fact]
    public void Consecutive_geometric_ops_are_fused_into_one_resampling_with_the_same_result()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(12, 3, 9, 7);
        var pipeline = (AugmentationPipeline)Augmentation.Compose().RandomCrop(2).HorizontalFlip(0.5).Build();
        using var fusedGenerator = TestImages.Generator(21);
        using var stepGenerator = TestImages.Generator(21);

        var fused = pipeline.Apply(images, fusedGenerator);
        var stepByStep = new HorizontalFlip(0.5).Apply(new RandomCrop(2).Apply(images, stepGenerator), stepGenerator);

        pipeline.StageCount.Should().Be(1);
        fused.SameAs(stepByStep).Should().BeTrue("whole-pixel maps compose exactly");
    }

    [Fact]
    public void Crop_resize_and_flip_fuse_and_match_the_separate_ops()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(10, 3, 12, 10);
        var pipeline = (AugmentationPipeline)Augmentation.Compose().RandomResizedCrop(8, 6).HorizontalFlip(0.5).Build();
        using var fusedGenerator = TestImages.Generator(8);
        using var stepGenerator = TestImages.Generator(8);

        var fused = pipeline.Apply(images, fusedGenerator);
        var crop = new RandomResizedCrop(8, 6).Apply(images, stepGenerator);
        var stepByStep = new HorizontalFlip(0.5).Apply(crop, stepGenerator);

        pipeline.StageCount.Should().Be(1);
        fused.shape.Should().Equal(10, 3, 8, 6);
        TestImages.MaxAbsDifference(fused, stepByStep).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void Geometric_ops_with_different_resampling_are_not_fused()
    {
        var pipeline = (AugmentationPipeline)Augmentation.Compose()
            .RandomResizedCrop()      // bilinear, edge padding
            .RandomCrop(4)            // black padding
            .Build();

        pipeline.StageCount.Should().Be(2);
    }

    [Fact]
    public void Empty_pipeline_returns_a_copy()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(2, 1, 4, 4);
        using var generator = TestImages.Generator();

        var result = Augmentation.Compose().Build().Apply(images, generator);

        result.SameAs(images).Should().BeTrue();
        result.Handle.Should().NotBe(images.Handle);
    }

    [Fact]
    public void RandomApply_with_probability_one_or_zero_applies_always_or_never()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(6, 3, 5, 5);
        using var generator = TestImages.Generator();
        var invert = new Solarize(0, 0);

        new RandomApply(1, invert).Apply(images, generator).SameAs(1 - images).Should().BeTrue();
        new RandomApply(0, invert).Apply(images, generator).SameAs(images).Should().BeTrue();
    }

    [Fact]
    public void RandomApply_decides_per_sample()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.full(64, 1, 2, 2, 0.25f);
        using var generator = TestImages.Generator(9);

        var result = new RandomApply(0.5, new Solarize(0, 0)).Apply(images, generator);

        var perSample = result.amax([1, 2, 3]);
        var inverted = perSample.eq(0.75f).sum().item<long>();
        var kept = perSample.eq(0.25f).sum().item<long>();
        (inverted + kept).Should().Be(64);
        inverted.Should().BeInRange(16, 48);
    }

    [Fact]
    public void RandomApply_of_colour_jitter_equals_jittering_the_chosen_samples_alone()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(40, 3, 5, 6);
        var jitter = new ColorJitter(0.4, 0.4, 0.4, 0.1);
        using var generator = TestImages.Generator(31);
        using var replay = TestImages.Generator(31);

        var result = new RandomApply(0.6, jitter).Apply(images, generator);

        // The documented draws: one uniform per sample (chosen if below p), then the op on the chosen samples.
        var chosen = TestImages.Values(torch.rand(40, ScalarType.Float64, generator: replay).lt(0.6).to_type(ScalarType.Float32));
        var members = Enumerable.Range(0, 40).Where(i => chosen[i] == 1f).Select(i => (long)i).ToArray();
        var index = torch.tensor(members);
        var expected = images.clone().index_copy_(0, index, jitter.Apply(images.index_select(0, index), replay));
        result.SameAs(expected).Should().BeTrue();
        members.Length.Should().BeInRange(10, 39);
    }

    [Fact]
    public void RandomApply_of_a_geometric_op_stays_geometric_and_fuses()
    {
        var pipeline = (AugmentationPipeline)Augmentation.Compose()
            .RandomApply(0.5, new Rotate(90, 90))
            .Add(new TranslateX(0.25, 0.25))
            .Build();

        pipeline.StageCount.Should().Be(1);
    }

    [Fact]
    public void RandomApply_of_a_geometric_op_rotates_only_the_chosen_samples()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Ramp(32, 1, 4, 4);
        using var generator = TestImages.Generator(4);

        var result = new RandomApply(0.5, new Rotate(90, 90)).Apply(images, generator);

        var rotated = 0;
        for (var i = 0; i < 32; i++)
        {
            var isRotated = result[i].SameAs(images[i].transpose(1, 2).flip(1));
            (isRotated || result[i].SameAs(images[i])).Should().BeTrue();
            rotated += isRotated ? 1 : 0;
        }

        rotated.Should().BeInRange(4, 28);
    }

    [Fact]
    public void RandomApply_configured_with_a_nested_builder_applies_the_whole_group()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.full(4, 3, 3, 3, 0.5f);
        using var generator = TestImages.Generator();

        var result = Augmentation.Compose()
            .RandomApply(1.0, group => group.Add(new Brightness(0.5, 0.5)).Add(new Brightness(0.5, 0.5)))
            .Build()
            .Apply(images, generator);

        TestImages.MaxAbsDifference(result, torch.full(4, 3, 3, 3, 0.125f)).Should().BeLessThan(1e-7f);
    }

    [Fact]
    public void Ops_applied_alone_and_through_the_builder_agree()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(8, 3, 6, 6);
        using var a = TestImages.Generator(3);
        using var b = TestImages.Generator(3);

        var built = Augmentation.Compose().ColorJitter(0.4, 0.4, 0.4, 0.1).RandomGrayscale(0.5).Build().Apply(images, a);
        var manual = new RandomGrayscale(0.5).Apply(new ColorJitter(0.4, 0.4, 0.4, 0.1).Apply(images, b), b);

        built.SameAs(manual).Should().BeTrue();
    }
}
