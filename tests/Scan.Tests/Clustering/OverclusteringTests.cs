using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Tests.Stages;
using static TorchSharp.torch;

namespace Scan.Tests.Clustering;

/// <summary>
/// Overclustering then merging (<see cref="ScanClusteringOptions.Overclustering"/>): clusters are joined where the
/// mined neighbours link them, whatever their sizes, and the model's heads reproduce the merged partition.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class OverclusteringTests
{
    /// <summary>Hard assignments as probabilities: image i in cluster <paramref name="clusters"/>[i] of <paramref name="k"/>.</summary>
    private static Tensor OneHot(int[] clusters, int k) =>
        nn.functional.one_hot(tensor(clusters.Select(c => (long)c).ToArray()), k).to(ScalarType.Float32);

    [Fact]
    public void Clusters_the_neighbours_link_are_joined_whatever_their_sizes()
    {
        using var scope = NewDisposeScope();
        // 200 images: the first 100 in clusters 0 and 1 (50 each), the rest in 2 (80) and 3 (20); every image's
        // neighbours lie in its own half, so the halves are the two groups, one of 100 images split 80/20.
        int[] clusters = Enumerable.Range(0, 200).Select(i => i < 50 ? 0 : i < 100 ? 1 : i < 180 ? 2 : 3).ToArray();
        var random = new Random(5);
        var neighbors = new long[200, 6];
        for (int i = 0; i < 200; i++)
            for (int j = 0; j < 6; j++)
                neighbors[i, j] = (i < 100 ? 0 : 100) + random.Next(100);

        int[] groups = ClusterMerging.Groups(OneHot(clusters, 4), tensor(neighbors), target: 2);

        groups.Should().Equal(0, 0, 1, 1);
    }

    [Fact]
    public void Merging_into_as_many_groups_as_clusters_keeps_each_cluster_and_a_wrong_target_is_refused()
    {
        using var scope = NewDisposeScope();
        var probabilities = OneHot([0, 1, 2, 0, 1, 2], 3);
        var neighbors = tensor(new long[,] { { 3 }, { 4 }, { 5 }, { 0 }, { 1 }, { 2 } });

        ClusterMerging.Groups(probabilities, neighbors, target: 3).Should().Equal(0, 1, 2);
        var act = () => ClusterMerging.Groups(probabilities, neighbors, target: 4);
        act.Should().Throw<ArgumentException>().WithMessage("*3 clusters into 4 groups*");
    }

    [Fact]
    public void The_fitted_head_reproduces_the_summed_probabilities_of_its_members()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        // Three groups of two clusters each whose directions lie close together, as the subclusters that mined
        // neighbours join do (the union of two far-apart softmax regions is not one a linear head can draw).
        var features = randn(400, 8);
        var centres = randn(3, 8);
        var overWeight = centres.repeat_interleave(2, dim: 0) + randn(6, 8) * 0.3;
        var overBias = randn(6) * 0.2;
        int[] groups = [0, 0, 1, 1, 2, 2];
        var membership = zeros(6, 3);
        for (int c = 0; c < 6; c++)
            membership[c, groups[c]] = 1;
        var targets = (features.matmul(overWeight.t()) + overBias).softmax(1).matmul(membership);
        using var model = new ClusteringModel(new ConstantBackbone(), clusters: 3, heads: 2);

        ClusterMerging.FitHead(model, head: 1, features, targets, overWeight, overBias, groups);

        using var noGrad = no_grad();
        var fitted = model.ForwardHead(1, features).softmax(1);
        (fitted - targets).abs().mean().item<float>().Should().BeLessThan(0.03f);
        fitted.argmax(1).eq(targets.argmax(1)).to(ScalarType.Float32).mean().item<float>().Should().BeGreaterThan(0.95f);
    }

    [Fact]
    public async Task On_imbalanced_classes_nine_overclusters_merge_back_into_the_three_classes()
    {
        // Three classes of 96, 96 and 8 images; a backbone that says nothing, so the heads read only the pixels.
        var all = new SyntheticImages(perClass: 96, classes: 3, size: 12, noise: 0.1);
        var keep = Enumerable.Range(0, all.Count).Where(i => all.Labels![i] != 2 || i < 24).ToArray();
        var data = new ImageDatasetSubset(all, keep);
        int[] labels = data.Labels!.ToArray();
        labels.Count(l => l == 2).Should().Be(8);
        using var neighbors = TrueNeighbors(labels, k: 5);
        async Task<(double Accuracy, int Clusters)> Run(int overclustering)
        {
            manual_seed(2);
            using var model = ClusteringModel.Create(new ConstantBackbone(), 3, 2, 8, data.Channels * data.Height * data.Width);
            var options = new ScanClusteringOptions
            {
                Clusters = 3, Heads = 2, PixelComponents = 8, EntropyWeight = 5, Epochs = 40, BatchSize = 32, LearningRate = 1e-2,
                UpdateBackbone = false, FeatureCachePasses = 1, FeatureCacheViews = CachedViews.Unaugmented, Overclustering = overclustering,
            };
            var result = await new ScanClusteringTrainer(options, new NoAugmentation(), new NoAugmentation(), seed: 1).TrainAsync(model, data, neighbors);
            int[] predicted = result.Predictions!.Clusters.ToArray();
            predicted.Should().OnlyContain(c => c >= 0 && c < 3);
            return (BruteForceAccuracy.Of(predicted, labels, 3), model.Clusters);
        }

        var merged = await Run(3);

        merged.Clusters.Should().Be(3);
        merged.Accuracy.Should().BeGreaterThan(0.95);
    }

    [Fact]
    public void Overclustering_with_backbone_training_is_refused_by_validation()
    {
        var options = new ScanClusteringOptions { Overclustering = 2, UpdateBackbone = true };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options,
            new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true).Should().BeFalse();
        results.Should().ContainSingle(r => r.ErrorMessage!.Contains("UpdateBackbone"));
    }

    /// <summary>For every image, the first <paramref name="k"/> other images of its class.</summary>
    private static Tensor TrueNeighbors(int[] labels, int k)
    {
        var result = new long[labels.Length, k];
        for (int i = 0; i < labels.Length; i++)
        {
            var same = Enumerable.Range(0, labels.Length).Where(j => j != i && labels[j] == labels[i]).Take(k).ToArray();
            for (int j = 0; j < k; j++)
                result[i, j] = same[j];
        }
        return tensor(result);
    }
}
