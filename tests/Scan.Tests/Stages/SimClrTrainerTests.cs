using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

[Collection(nameof(TrainingCollection))]
public sealed class SimClrTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-simclr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static ContrastiveModel NewModel(long seed)
    {
        random.manual_seed(seed);
        return new ContrastiveModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), projectionDim: 16);
    }

    internal static SimClrOptions Options(int epochs, TrainingPrecision precision = TrainingPrecision.Float32) => new()
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.2, Temperature = 0.5, WarmupEpochs = 1, Precision = precision,
    };

    [Fact]
    public async Task The_contrastive_loss_falls_over_training()
    {
        var data = new SyntheticImages(perClass: 32, classes: 4);
        using var model = NewModel(1);
        var trainer = new SimClrTrainer(Options(6), new NoiseAugmentation(0.3), seed: 5);
        var result = await trainer.TrainAsync(model, data);
        result.History.Should().HaveCount(6);
        result.History[^1].Metrics["loss"].Should().BeLessThan(result.History[0].Metrics["loss"]);
        result.History[0].Metrics["lr"].Should().BeGreaterThan(result.History[^1].Metrics["lr"]);
    }

    [Theory]
    [InlineData(TrainingPrecision.Float32)]
    [InlineData(TrainingPrecision.BFloat16)]
    public async Task An_interrupted_run_resumed_from_its_checkpoint_ends_with_identical_weights(TrainingPrecision precision)
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var straight = NewModel(2);
        await new SimClrTrainer(Options(4, precision), new NoiseAugmentation(0.3), seed: 9)
            .TrainAsync(straight, data, Path.Combine(_dir, "straight.ckpt"));

        string checkpoint = Path.Combine(_dir, "resumed.ckpt");
        using var cts = new CancellationTokenSource();
        var probe = new EpochProbe { OnEpoch = p => { if (p.Epoch == 2) cts.Cancel(); } };
        using (var interrupted = NewModel(2))
        {
            var act = () => new SimClrTrainer(Options(4, precision), new NoiseAugmentation(0.3), seed: 9)
                .TrainAsync(interrupted, data, checkpoint, probe, cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        probe.Epochs.Should().HaveCount(2);

        // A new process would start from a fresh model: the checkpoint restores weights and optimizer state.
        using var resumed = NewModel(77);
        var result = await new SimClrTrainer(Options(4, precision), new NoiseAugmentation(0.3), seed: 9)
            .TrainAsync(resumed, data, checkpoint);
        result.History.Select(h => h.Epoch).Should().Equal(1, 2, 3, 4);

        var expected = straight.state_dict();
        foreach (var (key, value) in resumed.state_dict())
            value.allclose(expected[key], rtol: 0, atol: 0).Should().BeTrue($"{key} must match the uninterrupted run");
    }

    [Fact]
    public async Task Memory_and_live_tensors_stay_flat_across_epochs()
    {
        var data = new SyntheticImages(perClass: 32, classes: 4);
        using var model = NewModel(3);
        var probe = new EpochProbe();
        await new SimClrTrainer(Options(10), new NoiseAugmentation(0.3), seed: 1).TrainAsync(model, data, progress: probe);
        probe.LiveTensors.Should().HaveCount(10);
        probe.LiveTensors.Skip(1).Should().AllSatisfy(n => n.Should().Be(probe.LiveTensors[0], "no tensor may leak per epoch"));
        probe.ResidentBytes[^1].Should().BeLessThan((long)(probe.ResidentBytes[0] * 1.10), "resident memory must stay within 10% of epoch 1");
    }

    [Fact]
    public void Invalid_options_and_inputs_are_named()
    {
        var bad = () => new SimClrTrainer(new SimClrOptions { Temperature = 0, Epochs = 0 }, new NoAugmentation());
        bad.Should().Throw<ArgumentException>().WithMessage("*Epochs*").And.Message.Should().Contain("Temperature");

        var data = new SyntheticImages(perClass: 4, classes: 4);
        using var model = NewModel(1);
        var tooBig = () => new SimClrTrainer(new SimClrOptions { BatchSize = 64 }, new NoAugmentation()).TrainAsync(model, data);
        tooBig.Should().ThrowAsync<ArgumentException>().WithMessage("*BatchSize 64*16 images*");
    }
}

/// <summary>Training tests measure memory and live tensors: they run one at a time.</summary>
[CollectionDefinition(nameof(TrainingCollection), DisableParallelization = true)]
public sealed class TrainingCollection;
