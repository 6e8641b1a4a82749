using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using Scan.Tests.Stages;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Learning rates that diverge. An absurd rate (SimCLR lr 1e6) never reaches training: every trainer refuses it
/// when constructed, and again when training starts if the options object was changed in between. A rate inside the
/// allowed range that still diverges (the largest allowed, on a backbone whose features are unbounded) stops each
/// trainer with a <see cref="TrainingDivergedException"/>, and no checkpoint ever holds a non-finite weight.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class NumericalLearningRateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-lr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly SyntheticImages Data = new(perClass: 16, classes: 4);   // 64 images of 16x16

    public static TheoryData<string> Trainers() => new() { "SimClrTrainer", "ScanClusteringTrainer (heads only)", "ScanClusteringTrainer (full)", "SelfLabelingTrainer" };

    private static object Construct(string trainer, double learningRate) => trainer switch
    {
        "SimClrTrainer" => new SimClrTrainer(new SimClrOptions { LearningRate = learningRate }, new NoAugmentation()),
        "ScanClusteringTrainer (heads only)" => new ScanClusteringTrainer(new ScanClusteringOptions { LearningRate = learningRate, UpdateBackbone = false },
            new NoAugmentation(), new NoAugmentation()),
        "ScanClusteringTrainer (full)" => new ScanClusteringTrainer(new ScanClusteringOptions { LearningRate = learningRate }, new NoAugmentation(), new NoAugmentation()),
        _ => new SelfLabelingTrainer(new SelfLabelingOptions { LearningRate = learningRate }, new NoAugmentation(), new NoAugmentation()),
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void A_learning_rate_of_a_million_is_refused_naming_the_option_and_the_value(string trainer)
    {
        var act = () => Construct(trainer, 1e6);
        var e = act.Should().Throw<ArgumentException>().Which;
        e.ParamName.Should().Be("options");
        e.Message.Should().Contain("LearningRate must be in").And.Contain("Found 1000000.");
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public async Task Options_changed_to_a_diverging_rate_after_construction_are_refused_when_training_starts(string trainer)
    {
        using var model = TinyModels.Clustering(1);
        using var neighbors = Data.TrueNeighbors(3);
        Func<Task> train;
        switch (trainer)
        {
            case "SimClrTrainer":
                var simclr = new SimClrOptions { Epochs = 1, BatchSize = 32 };
                var simclrTrainer = new SimClrTrainer(simclr, new NoAugmentation());
                simclr.LearningRate = 1e6;
                using (var contrastive = TinyModels.Contrastive(1))
                {
                    var act = () => simclrTrainer.TrainAsync(contrastive, Data);
                    (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("LearningRate").And.Contain("1000000");
                }
                return;
            case "SelfLabelingTrainer":
                var self = new SelfLabelingOptions { Epochs = 1, BatchSize = 32 };
                var labeler = new SelfLabelingTrainer(self, new NoAugmentation(), new NoAugmentation());
                self.LearningRate = 1e6;
                train = () => labeler.TrainAsync(model, Data);
                break;
            default:
                var scan = new ScanClusteringOptions { Clusters = 4, Epochs = 1, BatchSize = 32, UpdateBackbone = trainer.Contains("full") };
                var scanTrainer = new ScanClusteringTrainer(scan, new NoAugmentation(), new NoAugmentation());
                scan.LearningRate = 1e6;
                train = () => scanTrainer.TrainAsync(model, Data, neighbors);
                break;
        }
        (await train.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("LearningRate").And.Contain("1000000");
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public async Task The_largest_allowed_rate_on_an_unbounded_backbone_stops_with_the_stage_epoch_and_step_named(string trainer)
    {
        string checkpoint = Path.Combine(_dir, "checkpoint.scan");
        const int pixels = 16 * 16;
        random.manual_seed(3);
        TrainingDivergedException e;
        ScanStage stage;
        nn.Module model;
        switch (trainer)
        {
            case "SimClrTrainer":
                stage = ScanStage.Pretext;
                var contrastive = new ContrastiveModel(new UnboundedBackbone(pixels, 32), projectionDim: 16);
                model = contrastive;
                var simclr = new SimClrOptions { Epochs = 5, BatchSize = 32, LearningRate = 100, Temperature = 0.5 };
                e = await Diverges(() => new SimClrTrainer(simclr, new NoiseAugmentation(0.1), seed: 1).TrainAsync(contrastive, Data, checkpoint));
                break;
            case "SelfLabelingTrainer":
                stage = ScanStage.SelfLabeling;
                var network = new ClusteringModel(new UnboundedBackbone(pixels, 32), 4);
                model = network;
                var self = new SelfLabelingOptions { Epochs = 5, BatchSize = 32, LearningRate = 10, ConfidenceThreshold = 0.3 };
                e = await Diverges(() => new SelfLabelingTrainer(self, new NoAugmentation(), new NoiseAugmentation(0.1), seed: 1).TrainAsync(network, Data, checkpoint));
                break;
            default:
                stage = ScanStage.Clustering;
                bool full = trainer.Contains("full");
                // Heads only: the frozen features are large (about 1e36) but finite; the heads' updates overflow.
                var clustering = new ClusteringModel(new UnboundedBackbone(pixels, 32, scale: full ? 1 : 1e36), 4);
                model = clustering;
                var scan = new ScanClusteringOptions { Clusters = 4, Epochs = 5, BatchSize = 32, LearningRate = 10, UpdateBackbone = full, FeatureCachePasses = 2 };
                using (var neighbors = Data.TrueNeighbors(3))
                    e = await Diverges(() => new ScanClusteringTrainer(scan, new NoiseAugmentation(0.1), new NoAugmentation(), seed: 1).TrainAsync(clustering, Data, neighbors, checkpoint));
                break;
        }

        using (model)
        {
            e.Stage.Should().Be(stage);
            e.Epoch.Should().BeInRange(1, 5);
            e.Step.Should().BeInRange(1, 2);
            e.Message.Should().Contain($"{stage} stage diverged at epoch {e.Epoch}, step {e.Step}:");
            // Whatever was checkpointed before is finite and one epoch behind.
            if (e.Epoch > 1)
            {
                var loaded = TrainingCheckpoint.TryLoad(checkpoint, stage, model, optimizer: null);
                loaded!.Value.CompletedEpochs.Should().Be(e.Epoch - 1);
                model.parameters().Should().OnlyContain(p => p.isfinite().all().item<bool>());
            }
            else
            {
                File.Exists(checkpoint).Should().BeFalse("no epoch completed");
            }
        }
    }

    private static async Task<TrainingDivergedException> Diverges(Func<Task> train) =>
        (await train.Should().ThrowAsync<TrainingDivergedException>()).Which;

    /// <summary>
    /// The loss of a step is computed before its update, so an update that makes a weight non-finite at the last
    /// step of an epoch is invisible to the loss check; the weights are checked before the checkpoint is written.
    /// </summary>
    [Fact]
    public void A_weight_made_infinite_by_the_last_update_of_an_epoch_is_caught_before_its_checkpoint()
    {
        string checkpoint = Path.Combine(_dir, "loop.scan");
        using var model = nn.Linear(4, 2);
        var loop = new EpochLoop
        {
            Stage = ScanStage.Clustering, Epochs = 3, DatasetSize = 8, BatchSize = 4, Seed = 1, Model = model,
            CheckpointPath = checkpoint,
        };
        var act = () => loop.Run((epoch, step) =>
        {
            if (epoch.Epoch == 2 && step == 1)
            {
                using var noGrad = no_grad();
                model.weight![1, 0] = float.PositiveInfinity;
            }
            return new Dictionary<string, double> { ["loss"] = 1.0 };
        }, CancellationToken.None);

        var e = act.Should().Throw<TrainingDivergedException>().Which;
        (e.Epoch, e.Step).Should().Be((2, 2));
        e.Message.Should().Contain("diverged at epoch 2, step 2: weight 'weight' is Infinity.");
        using var restored = nn.Linear(4, 2);
        TrainingCheckpoint.TryLoad(checkpoint, ScanStage.Clustering, restored, null)!.Value.CompletedEpochs.Should().Be(1);
        restored.weight!.isfinite().all().item<bool>().Should().BeTrue();
    }
}
