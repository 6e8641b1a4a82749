using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Pipeline.Health;
using Scan.Core.Training;
using Scan.Tests.Pipeline;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Health;

/// <summary>Each label-free health check fires on a constructed degenerate case, and its remedy applies.</summary>
[Collection(nameof(TrainingCollection))]
public sealed class HealthCheckTests
{
    /// <summary>The pipeline tests' tiny configuration: 4 clusters, 2 heads, every stage on synthetic 16x16 images.</summary>
    private static ScanPipelineBuilder Tiny() => ScanPipelineTests.Tiny();

    private static HeadLoss Head(int head, double comparable, params int[] sizes) =>
        new(head, comparable, 0, 0)
        {
            Comparable = comparable, ClusterSizes = sizes, SizeEntropy = ClusterHealth.SizeEntropy(sizes),
            Degenerate = ClusterHealth.IsDegenerate(sizes),
        };

    [Fact]
    public void A_degenerate_head_with_the_lowest_loss_loses_to_a_non_degenerate_head()
    {
        var collapsed = Head(0, -5.0, 97, 1, 1, 1);       // lowest loss, one cluster holds almost everything
        var empty = Head(1, -4.0, 50, 50, 0, 0);          // an empty cluster
        var balanced = Head(2, -1.0, 25, 24, 26, 25);
        var worse = Head(3, -0.5, 30, 20, 25, 25);
        collapsed.Degenerate.Should().BeTrue();
        empty.Degenerate.Should().BeTrue();
        balanced.Degenerate.Should().BeFalse();

        ScanClusteringTrainer.SelectHead(new[] { collapsed, empty, balanced, worse }).Should().Be(2);
        // With every head degenerate the most balanced is kept, not the lowest loss.
        ScanClusteringTrainer.SelectHead(new[] { collapsed, empty }).Should().Be(1);
    }

    [Fact]
    public void Merged_heads_are_chosen_by_neighbour_consistency_and_degenerate_ones_are_still_passed_over()
    {
        HeadLoss Merged(int head, double consistency, double comparable, params int[] sizes) =>
            Head(head, comparable, sizes) with { Consistency = consistency };
        var balanced = Merged(0, consistency: 0.40, comparable: -4.2, 25, 25, 25, 25);   // best loss: the entropy term
        var sized = Merged(1, consistency: 0.30, comparable: -4.0, 40, 30, 20, 10);      // keeps more neighbours together
        var collapsed = Merged(2, consistency: 0.05, comparable: -3.0, 97, 1, 1, 1);     // best consistency, degenerate

        ScanClusteringTrainer.SelectHead(new[] { balanced, sized, collapsed }).Should().Be(0, "heads of K clusters compare losses");
        ScanClusteringTrainer.SelectHead(new[] { balanced, sized, collapsed }, merged: true).Should().Be(1);
    }

    [Fact]
    public void The_degenerate_rule_admits_a_ten_to_one_imbalance_and_rejects_a_collapse()
    {
        // 10 clusters, one ten times as large as the others: a real imbalance, not a collapse.
        ClusterHealth.IsDegenerate(new[] { 1000, 100, 100, 100, 100, 100, 100, 100, 100, 100 }).Should().BeFalse();
        // Three clusters hold almost everything.
        ClusterHealth.IsDegenerate(new[] { 600, 600, 600, 3, 3, 3, 3, 3, 3, 3 }).Should().BeTrue();
        ClusterHealth.SizeEntropy(new[] { 5, 5, 5, 5 }).Should().BeApproximately(Math.Log(4), 1e-12);
    }

    [Fact]
    public void Partition_checks_fire_on_an_empty_cluster_and_on_a_low_size_entropy_and_pass_a_balanced_one()
    {
        var bad = StageHealth.Partition(new[] { 97, 3, 0, 0 }, "remedy").ToList();
        bad.Should().Contain(c => c.Kind == HealthCheckKind.ClusterSizes && c.Status == HealthStatus.Failed && c.Remedy == "remedy");
        bad.Should().Contain(c => c.Kind == HealthCheckKind.ClusterSizeEntropy && c.Status == HealthStatus.Failed);
        StageHealth.Partition(new[] { 25, 25, 25, 25 }, "remedy").Should().OnlyContain(c => c.Status == HealthStatus.Passed && c.Remedy == null);
    }

    [Fact]
    public void A_pretext_loss_that_does_not_fall_warns()
    {
        EpochRecord R(int e, double loss) => new(e, new Dictionary<string, double> { ["loss"] = loss }, 1, 1);
        StageHealth.PretextLoss(new[] { R(1, 6.2), R(2, 6.0), R(3, 5.9) })!.Status.Should().Be(HealthStatus.Warning);
        StageHealth.PretextLoss(new[] { R(1, 6.2), R(2, 4.0), R(3, 3.1) })!.Status.Should().Be(HealthStatus.Passed);
    }

    [Fact]
    public async Task A_threshold_no_sample_passes_skips_self_labelling_and_keeps_the_clustering_model()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        // Heads that barely moved from their random start: no float32 probability passes 0.999999999.
        using var result = await Tiny()
            .WithClustering(o => { o.Clusters = 4; o.Heads = 2; o.Epochs = 1; o.BatchSize = 32; o.UpdateBackbone = false; o.FeatureCachePasses = 1; o.LearningRate = 1e-9; })
            .WithSelfLabeling(o => { o.Epochs = 1; o.BatchSize = 32; o.ConfidenceThreshold = 0.999999999; })
            .Build().RunAsync(data);

        var selfLabel = result.SelfLabeling!;
        selfLabel.History.Should().BeEmpty("the stage must not train on an empty target set; report: " +
            selfLabel + "; max confidence " + result.Confidences.Max());
        selfLabel.Skipped.Should().BeTrue();
        selfLabel.Health.Should().ContainSingle(c => c.Kind == HealthCheckKind.ConfidentSamples && c.Fired && c.Remedy != null);
        // The kept model is the clustering model: its predictions equal the clustering stage's.
        var clustering = result.Stages.Single(s => s.Stage == ScanStage.Clustering);
        result.Evaluation!.Accuracy.Should().Be(clustering.Evaluation!.Accuracy);
    }

    [Fact]
    public async Task Self_labelling_that_breaks_the_clustering_is_undone_and_the_run_ends_as_without_it()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var without = await Tiny().WithoutSelfLabeling().Build().RunAsync(data);
        // Adam at a learning rate a thousand times the default throws the trained network away within a step.
        using var result = await Tiny()
            .WithSelfLabeling(o => { o.Epochs = 2; o.BatchSize = 32; o.ConfidenceThreshold = 0.5; o.LearningRate = 0.1; })
            .Build().RunAsync(data);

        var selfLabel = result.SelfLabeling!;
        selfLabel.Skipped.Should().BeFalse();
        selfLabel.History.Should().HaveCount(2, "the stage trained both epochs before judging them");
        selfLabel.Epochs.Select(e => e.Epoch).Should().Equal(0, 1, 2);
        selfLabel.Epochs.Skip(1).Should().OnlyContain(e => e.LostSpread || e.NeighborConsistency <= selfLabel.Epochs[0].NeighborConsistency,
            "this learning rate must break the clustering; report: " + string.Join("; ", selfLabel.Epochs));
        selfLabel.Reverted.Should().BeTrue();
        selfLabel.KeptEpoch.Should().Be(0);
        result.Assignments.Should().Equal(without.Assignments, "the clustering model is restored bit for bit");
        result.Confidences.Should().Equal(without.Confidences);
    }

    [Fact]
    public async Task Self_labelling_keeps_the_epoch_that_keeps_the_most_neighbour_pairs_together()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await Tiny()
            .WithSelfLabeling(o => { o.Epochs = 4; o.BatchSize = 32; o.ConfidenceThreshold = 0.5; o.LearningRate = 1e-3; })
            .Build().RunAsync(data);

        var epochs = result.SelfLabeling!.Epochs;
        epochs.Should().HaveCount(5);
        // An epoch that merged clusters keeps more neighbour pairs together by itself: losing more than 0.5 % of ln K of
        // size entropy disqualifies it.
        epochs.Should().OnlyContain(e => e.LostSpread == (e.ClusterSpread < epochs[0].ClusterSpread - 0.005 * Math.Log(4)));
        var eligible = epochs.Where(e => !e.LostSpread).ToList();
        double best = eligible.Max(e => e.NeighborConsistency);
        int expected = eligible.First(e => e.NeighborConsistency == best).Epoch;
        result.SelfLabeling.KeptEpoch.Should().Be(expected, "report: " + string.Join("; ", epochs));
        // The run ends with the kept epoch's model: its figures are the final partition's.
        result.Evaluation!.Accuracy.Should().Be(epochs[expected].Accuracy!.Value);
        ClusterHealth.SizeEntropy(ClusterHealth.Sizes(result.Assignments.ToArray(), 4)).Should().BeApproximately(epochs[expected].ClusterSpread, 1e-12);
        result.Model.Predict(data).Clusters.Should().Equal(result.Assignments, "the returned model is the kept epoch's");
    }

    [Fact]
    public async Task A_backbone_that_maps_every_image_to_one_point_is_reported_degenerate()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await Tiny().WithPretrainedBackbone(() => new ConstantBackbone()).Build().RunAsync(data);

        result.IsDegenerate.Should().BeTrue();
        result.Stages.Single(s => s.Stage == ScanStage.Mining).Health.Should().ContainSingle(c =>
            c.Kind == HealthCheckKind.NeighborAgreement && c.Status == HealthStatus.Failed);
        var failed = result.Health.Where(c => c.Status == HealthStatus.Failed).Select(c => c.Kind).ToList();
        failed.Should().IntersectWith(new[] { HealthCheckKind.ClusterSizes, HealthCheckKind.ClusterSizeEntropy, HealthCheckKind.NeighborAgreement });
    }

    [Fact]
    public async Task A_dataset_of_40_images_runs_and_reports_its_health()
    {
        var data = new SyntheticImages(perClass: 10, classes: 4);
        using var result = await Tiny()
            .WithPretext(o => { o.Epochs = 2; o.BatchSize = 16; o.ProjectionDim = 16; })
            .WithClustering(o => { o.Clusters = 4; o.Heads = 3; o.EntropyWeights = new[] { 2.0, 5.0, 10.0 }; o.Epochs = 10; o.BatchSize = 16; o.UpdateBackbone = false; o.FeatureCachePasses = 2; o.LearningRate = 1e-2; })
            .WithSelfLabeling(o => { o.Epochs = 1; o.BatchSize = 16; o.ConfidenceThreshold = 0.5; })
            .Build().RunAsync(data);

        result.Assignments.Should().HaveCount(40);
        result.Stages.Single(s => s.Stage == ScanStage.Clustering).Health.Should().Contain(c => c.Kind == HealthCheckKind.ClusterSizeEntropy);
        result.Stages.Single(s => s.Stage == ScanStage.Evaluation).Health.Select(c => c.Kind).Should().Equal(
            HealthCheckKind.ClusterSizes, HealthCheckKind.ClusterSizeEntropy, HealthCheckKind.KMeansComparison);
        result.Stages.Single(s => s.Stage == ScanStage.Mining).Health.Should().ContainSingle(c => c.Kind == HealthCheckKind.NeighborAgreement);
    }
}
