using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

/// <summary>
/// <see cref="TrainingPrecision.BFloat16"/> in <see cref="SimClrTrainer"/>: the caller's model stays float32 and
/// receives the BatchNorm statistics, the gradients handed over are the bfloat16 pass's, training learns, and a
/// backbone without a bfloat16 copy is refused before training. Bit-identical resume of both precisions is tested in
/// <see cref="SimClrTrainerTests"/>.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class SimClrBFloat16Tests
{
    private static ContrastiveModel NewModel(long seed) => SimClrTrainerTests.NewModel(seed);

    private static SimClrOptions Options(int epochs) => SimClrTrainerTests.Options(epochs, TrainingPrecision.BFloat16);

    [Fact]
    public async Task Training_learns_and_leaves_a_float32_model_with_the_batchnorm_statistics_of_every_step()
    {
        var data = new SyntheticImages(perClass: 32, classes: 4);   // 128 images: 4 steps of 32 per epoch
        using var model = NewModel(1);
        var result = await new SimClrTrainer(Options(6), new NoiseAugmentation(0.3), seed: 5).TrainAsync(model, data);

        result.History[^1].Metrics["loss"].Should().BeLessThan(result.History[0].Metrics["loss"]);
        foreach (var (name, parameter) in model.named_parameters())
            parameter.dtype.Should().Be(ScalarType.Float32, $"{name} is the caller's float32 weight");
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        buffers.Where(b => b.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .Should().NotBeEmpty()
            .And.AllSatisfy(b => b.Value.item<long>().Should().Be(24, $"{b.Key}: 6 epochs x 4 steps reached the float32 model"));
        buffers.Where(b => b.Key.EndsWith("running_var", StringComparison.Ordinal))
            .Should().AllSatisfy(b => b.Value.dtype.Should().Be(ScalarType.Float32));
        buffers["backbone.bn1.running_mean"].abs().sum().item<float>().Should().BeGreaterThan(0, "the statistics were pushed back");
    }

    [Fact]
    public void The_twin_hands_the_float32_model_the_gradients_of_its_bfloat16_pass()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel(4);
        model.train();
        random.manual_seed(8);
        var images = randn(32, 1, 16, 16);
        var weights = randn(32, 16);   // a fixed linear read-out of the projections: no cancellation in the loss
        (model.forward(images) * weights).sum().backward();
        var expected = model.parameters().Select(p => p.grad!.clone()).ToList();
        model.zero_grad();

        using var twin = BFloat16Twin.Of(model, CPU);
        (twin.Model.forward(images.to(ScalarType.BFloat16)).to(ScalarType.Float32) * weights).sum().backward();
        twin.PushGradients();

        var handed = model.parameters().Select(p => p.grad).ToList();
        handed.Should().AllSatisfy(g => g.Should().NotBeNull().And.Subject.As<Tensor>().dtype.Should().Be(ScalarType.Float32));
        // bfloat16 keeps 8 significant bits, and its rounding compounds backwards through every BatchNorm: measured
        // here, 0.5% off at the last layer, about 20% at the stem, 16% over all weights (SGD noise is larger). A
        // gradient lost or handed to the wrong weight would be 100% off.
        var names = model.named_parameters().Select(p => p.name).ToList();
        double gap = 0, norm = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double g = (handed[i]! - expected[i]).square().sum().item<float>(), n = expected[i].square().sum().item<float>();
            Math.Sqrt(g / n).Should().BeGreaterThan(0, $"{names[i]} ran in bfloat16").And.BeLessThan(0.5, names[i]);
            gap += g;
            norm += n;
        }
        Math.Sqrt(gap / norm).Should().BeLessThan(0.3);
        double last = (handed[^2]! - expected[^2]).norm().item<float>() / expected[^2].norm().item<float>();
        last.Should().BeLessThan(0.03, $"{names[^2]} is one bfloat16 matrix product from the loss");
        twin.Model.parameters().Should().AllSatisfy(p => (p.grad is null || p.grad.abs().sum().item<float>() == 0)
            .Should().BeTrue("the copy's gradients are cleared for the next step"));
    }

    [Fact]
    public async Task A_backbone_without_a_bfloat16_copy_is_refused_before_training_naming_its_type()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var model = new ContrastiveModel(new FlatBackbone(), projectionDim: 8);
        var act = () => new SimClrTrainer(Options(1), new NoiseAugmentation(0.3)).TrainAsync(model, data);
        (await act.Should().ThrowAsync<NotSupportedException>())
            .WithMessage("*ResNetBackbone*FlatBackbone*Float32*");
    }

    /// <summary>A backbone of a caller's own: a linear map of the flattened pixels.</summary>
    private sealed class FlatBackbone : Backbone
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(16 * 16, 8);

        public FlatBackbone() : base(nameof(FlatBackbone)) => RegisterComponents();

        public override int FeatureDim => 8;

        public override int InputChannels => 1;

        public override Tensor forward(Tensor input) => fc.forward(input.flatten(1));
    }
}
