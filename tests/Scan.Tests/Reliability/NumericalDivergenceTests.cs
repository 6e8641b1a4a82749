using Scan.Augment;
using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// A NaN or infinity appearing mid-training (injected into one pixel of an augmented batch from a chosen step on)
/// stops every trainer with a <see cref="TrainingDivergedException"/> naming the stage, epoch and step, and the
/// checkpoint on disk is still the one written after the previous epoch: bit-identical to a clean run's weights at
/// that epoch, and a clean run resumed from it ends exactly where an uninterrupted clean run ends.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class NumericalDivergenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-numerical-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One trainer set up on 64 synthetic images, batch 32 (two steps per epoch).</summary>
    /// <param name="Name">Row name.</param>
    /// <param name="Stage">The stage the exception must name.</param>
    /// <param name="Epochs">Epochs of the run.</param>
    /// <param name="NewModel">A fresh model, the same weights for the same seed.</param>
    /// <param name="Train">Trains the model with the augmentation to poison (the other views are clean).</param>
    /// <param name="CleanCalls">Calls of the poisoned augmentation before the first bad batch.</param>
    /// <param name="Poison">The value written into one pixel.</param>
    /// <param name="Epoch">Epoch at which training must stop.</param>
    /// <param name="Quantity">What the message must say became non-finite.</param>
    public sealed record Case(string Name, ScanStage Stage, int Epochs, Func<long, nn.Module> NewModel,
        Func<nn.Module, IAugmentation, string?, IProgress<ScanProgress>?, Task> Train, int CleanCalls, float Poison,
        int Epoch, string Quantity)
    {
        public override string ToString() => Name;
    }

    private static readonly SyntheticImages Data = new(perClass: 16, classes: 4);
    private static readonly Tensor Neighbors = Data.TrueNeighbors(3);

    public static TheoryData<string> Cases() => new(AllCases().Select(c => c.Name));

    private static IEnumerable<Case> AllCases()
    {
        var simclr = new SimClrOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.2, Temperature = 0.5 };
        // Two views per step, two steps per epoch: call 5 is epoch 2, step 1.
        yield return new Case("Pretext, NaN", ScanStage.Pretext, 3, seed => TinyModels.Contrastive(seed),
            (m, views, ckpt, p) => new SimClrTrainer(simclr, views, seed: 5).TrainAsync((ContrastiveModel)m, Data, ckpt, p),
            CleanCalls: 4, float.NaN, Epoch: 2, "loss");

        // Anchors and neighbours are augmented separately: call 5 is epoch 2, step 1.
        var full = new ScanClusteringOptions { Clusters = 4, Heads = 2, Epochs = 3, BatchSize = 32, LearningRate = 1e-3 };
        yield return new Case("Clustering (full network), -Infinity", ScanStage.Clustering, 3, seed => TinyModels.Clustering(seed, heads: 2),
            (m, aug, ckpt, p) => new ScanClusteringTrainer(full, aug, new NoAugmentation(), seed: 4).TrainAsync((ClusteringModel)m, Data, Neighbors, ckpt, p),
            CleanCalls: 4, float.NegativeInfinity, Epoch: 2, "loss");

        // Heads only: one augmented pass per cache entry, epoch e pairs passes e-1 and e; pass 2 (call 3) is first
        // used in epoch 2.
        var heads = full.Clone(o => { o.UpdateBackbone = false; o.FeatureCachePasses = 3; o.LearningRate = 1e-2; });
        yield return new Case("Clustering (heads only), NaN", ScanStage.Clustering, 3, seed => TinyModels.Clustering(seed, heads: 2),
            (m, aug, ckpt, p) => new ScanClusteringTrainer(heads, aug, new NoAugmentation(), seed: 4).TrainAsync((ClusteringModel)m, Data, Neighbors, ckpt, p),
            CleanCalls: 2, float.NaN, Epoch: 2, "loss");

        // One weak and one strong view per step: call 3 is epoch 2, step 1.
        var self = new SelfLabelingOptions { Epochs = 3, BatchSize = 32, ConfidenceThreshold = 0.3, LearningRate = 1e-3 };
        yield return new Case("SelfLabeling (strong view), NaN", ScanStage.SelfLabeling, 3, seed => TinyModels.Clustering(seed),
            (m, aug, ckpt, p) => new SelfLabelingTrainer(self, new NoiseAugmentation(0.02), aug, seed: 6).TrainAsync((ClusteringModel)m, Data, ckpt, p),
            CleanCalls: 2, float.NaN, Epoch: 2, "strong-view logits");
        // NaN weak logits pass no confidence threshold: the loss alone would be a finite 0 here.
        yield return new Case("SelfLabeling (weak view), +Infinity", ScanStage.SelfLabeling, 3, seed => TinyModels.Clustering(seed),
            (m, aug, ckpt, p) => new SelfLabelingTrainer(self, aug, new NoiseAugmentation(0.1), seed: 6).TrainAsync((ClusteringModel)m, Data, ckpt, p),
            CleanCalls: 2, float.PositiveInfinity, Epoch: 2, "weak-view logits");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_non_finite_value_stops_the_stage_at_its_step_and_the_previous_epochs_checkpoint_stays(string name)
    {
        var c = AllCases().Single(x => x.Name == name);

        // The clean run: weights after epoch (c.Epoch - 1) and at the end.
        using var clean = c.NewModel(1);
        var atPreviousEpoch = new SnapshotAtEpoch(clean, c.Epoch - 1);
        await c.Train(clean, new NoiseAugmentation(0.2), null, atPreviousEpoch);
        var cleanEnd = TinyModels.Snapshot(clean);

        string checkpoint = Path.Combine(_dir, "checkpoint.scan");
        var poisoned = new PoisonedAugmentation(new NoiseAugmentation(0.2), c.CleanCalls, c.Poison);
        using (var model = c.NewModel(1))
        {
            var act = () => c.Train(model, poisoned, checkpoint, null);
            var e = (await act.Should().ThrowAsync<TrainingDivergedException>()).Which;
            e.Stage.Should().Be(c.Stage);
            e.Epoch.Should().Be(c.Epoch);
            e.Step.Should().Be(1);
            e.Message.Should().Contain($"{c.Stage} stage diverged at epoch {c.Epoch}, step 1: {c.Quantity} is");
        }

        // The checkpoint is the previous epoch's: same history, bit-identical weights.
        using var restored = c.NewModel(99);
        var loaded = TrainingCheckpoint.TryLoad(checkpoint, c.Stage, restored, optimizer: null);
        loaded.Should().NotBeNull();
        loaded!.Value.CompletedEpochs.Should().Be(c.Epoch - 1);
        loaded.Value.History.Select(h => h.Metrics["loss"]).Should().Equal(atPreviousEpoch.Losses);
        TinyModels.ShouldEqual(restored, atPreviousEpoch.Weights!, $"the clean run's weights after epoch {c.Epoch - 1}");

        // A clean run resumed from it ends where the clean run ended.
        using var resumed = c.NewModel(99);
        await c.Train(resumed, new NoiseAugmentation(0.2), checkpoint, null);
        TinyModels.ShouldEqual(resumed, cleanEnd, "the uninterrupted clean run's final weights");
        foreach (var t in cleanEnd.Values.Concat(atPreviousEpoch.Weights!.Values))
            t.Dispose();
    }

    /// <summary>Copies the weights when epoch <paramref name="epoch"/> ends (reports arrive on the training thread).</summary>
    private sealed class SnapshotAtEpoch(nn.Module model, int epoch) : IProgress<ScanProgress>
    {
        public Dictionary<string, Tensor>? Weights { get; private set; }
        public List<double> Losses { get; } = new();

        public void Report(ScanProgress value)
        {
            if (!value.EpochCompleted || value.Epoch > epoch)
                return;
            Losses.Add(value.Metrics["loss"]);
            if (value.Epoch == epoch)
                Weights = TinyModels.Snapshot(model);
        }
    }
}

internal static class OptionsCopy
{
    public static ScanClusteringOptions Clone(this ScanClusteringOptions o, Action<ScanClusteringOptions> change)
    {
        var copy = new ScanClusteringOptions
        {
            Clusters = o.Clusters, Heads = o.Heads, EntropyWeight = o.EntropyWeight, Epochs = o.Epochs, BatchSize = o.BatchSize,
            LearningRate = o.LearningRate, WeightDecay = o.WeightDecay, UpdateBackbone = o.UpdateBackbone,
            FeatureCachePasses = o.FeatureCachePasses,
        };
        change(copy);
        return copy;
    }
}
