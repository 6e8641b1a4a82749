using Microsoft.Extensions.Logging;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using Scan.Tests.Stages;

namespace Scan.Tests.Reliability;

/// <summary>
/// Self-labelling with no confident sample in a batch, or in a whole epoch, is not a fault: the step trains nothing
/// (loss exactly 0), training continues, and the count of 0 is reported per step, per epoch and in the result.
/// </summary>
/// <remarks>
/// Confidence is controlled through the weak view: with BatchNorm frozen at its initial statistics, erased (all-zero)
/// images give the head's bias as logits (no class above 0.5 of 4), and images scaled by 1000 give logits large enough
/// that every image is confident.
/// </remarks>
[Collection(nameof(TrainingCollection))]
public sealed class NumericalSelfLabelingTests
{
    private static readonly SyntheticImages Data = new(perClass: 16, classes: 4);   // 64 images: 2 steps of 32

    private static readonly SelfLabelingOptions Options = new()
    {
        Epochs = 2, BatchSize = 32, ConfidenceThreshold = 0.5, FreezeBatchNorm = true, LearningRate = 1e-4,
    };

    [Fact]
    public async Task A_batch_without_confident_samples_trains_nothing_and_the_next_batch_trains()
    {
        using var model = TinyModels.Clustering(2);
        var steps = new StepRecorder();
        // Odd steps (weak-view calls 1, 3) erased: no confident sample; even steps scaled up: all confident.
        var weak = new ScalingAugmentation(call => call % 2 == 1 ? 0f : 1000f);
        var result = await new SelfLabelingTrainer(Options, weak, new NoAugmentation(), seed: 1).TrainAsync(model, Data, progress: steps);

        steps.Confident.Should().Equal(0, 32, 0, 32);
        steps.Losses.Where((_, i) => i % 2 == 0).Should().OnlyContain(l => l == 0);
        steps.Losses.Where((_, i) => i % 2 == 1).Should().OnlyContain(l => l > 0);
        result.History.Select(h => h.Metrics["confident"]).Should().Equal(16, 16);
        result.ConfidentPerEpoch.Should().Equal(32, 32);
    }

    [Fact]
    public async Task An_epoch_without_confident_samples_continues_and_is_reported_in_the_result_and_the_log()
    {
        using var model = TinyModels.Clustering(2);
        var logger = new RecordingLogger();
        var weak = new ScalingAugmentation(_ => 0f);
        var result = await new SelfLabelingTrainer(Options, weak, new NoAugmentation(), seed: 1, logger: logger).TrainAsync(model, Data);

        result.History.Should().HaveCount(2);
        result.History.Should().OnlyContain(h => h.Metrics["confident"] == 0 && h.Metrics["loss"] == 0);
        result.ConfidentPerEpoch.Should().Equal(0, 0);
        logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).Should().Equal(
            "SelfLabeling epoch 1: no sample passed the confidence threshold 0.5; the epoch trained nothing. Lower the threshold if this persists.",
            "SelfLabeling epoch 2: no sample passed the confidence threshold 0.5; the epoch trained nothing. Lower the threshold if this persists.");
    }

    [Fact]
    public async Task An_epoch_without_confident_samples_leaves_every_weight_bit_identical_despite_momentum_and_weight_decay()
    {
        using var model = TinyModels.Clustering(2);
        // One confident batch first gives Adam momentum; the next three have no confident sample. With weight decay
        // (and momentum) an unconditional optimizer step would still move the weights.
        var weak = new ScalingAugmentation(call => call == 1 ? 1000f : 0f);
        var options = new SelfLabelingOptions
        {
            Epochs = 2, BatchSize = 32, ConfidenceThreshold = 0.5, FreezeBatchNorm = true, LearningRate = 1e-2,
            WeightDecay = 0.1,
        };
        float[][]? afterFirstStep = null;
        var steps = new SnapshotAfterFirstStep(() => afterFirstStep ??= Snapshot(model));
        var result = await new SelfLabelingTrainer(options, weak, new NoAugmentation(), seed: 1).TrainAsync(model, Data, progress: steps);

        result.ConfidentPerEpoch.Should().Equal(32, 0);
        afterFirstStep.Should().NotBeNull();
        var final = Snapshot(model);
        final.Should().HaveCount(afterFirstStep!.Length);
        for (var i = 0; i < final.Length; i++)
            final[i].Should().Equal(afterFirstStep[i], $"state tensor {i} must not change in steps without confident samples");
    }

    private static float[][] Snapshot(TorchSharp.torch.nn.Module model) =>
        model.state_dict().Values
            .Where(t => t.dtype == TorchSharp.torch.ScalarType.Float32)
            .Select(t => t.detach().cpu().contiguous().data<float>().ToArray())
            .ToArray();

    private sealed class SnapshotAfterFirstStep(Action snapshot) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            if (!value.EpochCompleted)
                snapshot();
        }
    }

    private sealed class StepRecorder : IProgress<ScanProgress>
    {
        public List<double> Confident { get; } = new();
        public List<double> Losses { get; } = new();

        public void Report(ScanProgress value)
        {
            if (value.EpochCompleted)
                return;
            Confident.Add(value.Metrics["confident"]);
            Losses.Add(value.Metrics["loss"]);
        }
    }
}
