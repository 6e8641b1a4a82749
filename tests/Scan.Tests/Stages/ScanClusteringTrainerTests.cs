using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

[Collection(nameof(TrainingCollection))]
public class ScanClusteringTrainerTests
{
    private static ClusteringModel NewModel(int clusters, int heads, long seed = 1)
    {
        random.manual_seed(seed);
        return new ClusteringModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), clusters, heads);
    }

    private static int[] Predict(ClusteringModel model, SyntheticImages data)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var logits = model.forward(data.GetBatch(Enumerable.Range(0, data.Count).ToArray()));
        return logits.argmax(1).data<long>().ToArray().Select(v => (int)v).ToArray();
    }

    [Fact]
    public async Task Heads_only_training_on_well_separated_data_reaches_high_accuracy()
    {
        var data = new SyntheticImages(perClass: 64, classes: 4, noise: 0.05);
        using var model = NewModel(clusters: 4, heads: 3);
        using var neighbors = data.TrueNeighbors(5);
        var options = new ScanClusteringOptions
        {
            Clusters = 4, Heads = 3, EntropyWeight = 2, Epochs = 40, BatchSize = 64, LearningRate = 1e-2,
            UpdateBackbone = false, FeatureCachePasses = 2,
        };
        var result = await new ScanClusteringTrainer(options, new NoiseAugmentation(0.05), new NoAugmentation(), seed: 3)
            .TrainAsync(model, data, neighbors);

        result.HeadLosses.Should().HaveCount(3);
        result.SelectedHead.Should().Be(result.HeadLosses.OrderBy(h => h.Total).First().Head);
        model.SelectedHead.Should().Be(result.SelectedHead);
        foreach (var h in result.HeadLosses)
            h.Total.Should().BeApproximately(h.Consistency - 2 * h.Entropy, 1e-4);
        // The epoch curves are per head, like their parts (three heads are optimised as one sum).
        foreach (var epoch in result.History)
            epoch.Metrics["loss"].Should().BeApproximately(epoch.Metrics["consistency"] - 2 * epoch.Metrics["entropy"], 1e-4);

        BruteForceAccuracy.Of(Predict(model, data), data.Labels!, 4).Should().BeGreaterThan(0.95);
    }

    [Fact]
    public async Task A_neighbor_set_trains_exactly_as_its_index_tensor_and_must_cover_the_dataset()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4, noise: 0.05);
        using var tensor = data.TrueNeighbors(3);
        long[] rows = tensor.data<long>().ToArray();
        var set = new Scan.Core.Mining.NeighborSet(data.Count, 3, rows.Select(i => (int)i).ToArray(), new float[rows.Length]);
        var options = new ScanClusteringOptions { Clusters = 4, Heads = 2, Epochs = 3, BatchSize = 16, UpdateBackbone = false, FeatureCachePasses = 1 };
        ScanClusteringTrainer Trainer() => new(options, new NoiseAugmentation(0.05), new NoAugmentation(), seed: 3);

        using var fromTensor = NewModel(clusters: 4, heads: 2);
        using var fromSet = NewModel(clusters: 4, heads: 2);
        var a = await Trainer().TrainAsync(fromTensor, data, tensor);
        var b = await Trainer().TrainAsync(fromSet, data, set);

        b.HeadLosses.Select(h => h.Total).Should().Equal(a.HeadLosses.Select(h => h.Total));
        Predict(fromSet, data).Should().Equal(Predict(fromTensor, data));
        int halfCount = data.Count / 2;
        var ring = Enumerable.Range(0, halfCount).SelectMany(a => new[] { (a + 1) % halfCount, (a + 2) % halfCount, (a + 3) % halfCount }).ToArray();
        var half = new Scan.Core.Mining.NeighborSet(halfCount, 3, ring, new float[ring.Length]);
        await FluentActions.Awaiting(() => Trainer().TrainAsync(fromSet, data, half)).Should().ThrowAsync<ArgumentException>()
            .WithMessage("*32 images, the dataset has 64*");
    }

    [Fact]
    public async Task Full_network_training_lowers_the_loss_and_keeps_memory_flat()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var model = NewModel(clusters: 4, heads: 2);
        using var neighbors = data.TrueNeighbors(3);
        var probe = new EpochProbe();
        var options = new ScanClusteringOptions { Clusters = 4, Heads = 2, Epochs = 10, BatchSize = 16, LearningRate = 1e-3 };
        var result = await new ScanClusteringTrainer(options, new NoiseAugmentation(0.1), new NoAugmentation(), seed: 4)
            .TrainAsync(model, data, neighbors, progress: probe);

        result.History[^1].Metrics["loss"].Should().BeLessThan(result.History[0].Metrics["loss"]);
        probe.LiveTensors.Skip(1).Should().AllSatisfy(n => n.Should().Be(probe.LiveTensors[0]));
        probe.ResidentBytes[^1].Should().BeLessThan((long)(probe.ResidentBytes[0] * 1.10));
    }

    [Fact]
    public void Mismatched_inputs_are_rejected_with_the_sizes_named()
    {
        var data = new SyntheticImages(perClass: 8, classes: 4);
        using var model = NewModel(4, 1);
        var trainer = new ScanClusteringTrainer(new ScanClusteringOptions { Clusters = 4, BatchSize = 8 }, new NoAugmentation(), new NoAugmentation());
        using var wrongRows = zeros(new long[] { 5, 3 }, dtype: int64);
        ((Func<Task>)(() => trainer.TrainAsync(model, data, wrongRows))).Should().ThrowAsync<ArgumentException>().WithMessage("*(32, K)*(5, 3)*");
        using var outOfRange = full(new long[] { 32, 3 }, 32L, dtype: int64);
        ((Func<Task>)(() => trainer.TrainAsync(model, data, outOfRange))).Should().ThrowAsync<ArgumentException>().WithMessage("*[0, 32)*");
        var negative = () => new ScanClusteringTrainer(new ScanClusteringOptions { EntropyWeight = -1 }, new NoAugmentation(), new NoAugmentation());
        negative.Should().Throw<ArgumentException>().WithMessage("*EntropyWeight*");
        using var neighbors = data.TrueNeighbors(3);
        var wrongHeads = new ScanClusteringTrainer(new ScanClusteringOptions { Clusters = 5, BatchSize = 8 }, new NoAugmentation(), new NoAugmentation());
        ((Func<Task>)(() => wrongHeads.TrainAsync(model, data, neighbors))).Should().ThrowAsync<ArgumentException>().WithMessage("*1 head(s) of 4 clusters*");
    }
}
