using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Tests.Stages;
using static TorchSharp.torch;

namespace Scan.Tests.Clustering;

[Collection(nameof(TrainingCollection))]
public class KMeansHeadInitializationTests
{
    [Fact]
    public void A_head_started_from_k_means_predicts_the_k_means_partition_of_its_features()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        using var model = new ClusteringModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), clusters: 4, heads: 2);
        // Four directions in the backbone's feature space, at random lengths, plus noise: k-means by angle has a definite answer.
        var centres = randn(4, model.Backbone.FeatureDim) * 3;
        var features = centres.repeat_interleave(50, dim: 0) * (rand(200, 1) + 0.5) + randn(200, model.Backbone.FeatureDim) * 0.3;
        var headZeroBefore = model.ForwardHead(0, features).detach().clone();

        KMeansHeadInitialization.Apply(model, features, new[] { 1 }, seed: 9, logger: null, CancellationToken.None);

        var expected = KMeans.Fit(nn.functional.normalize(features, dim: 1), new KMeansOptions { Clusters = 4, Inits = 3, Seed = 9 * 7919 + 1 }).Assignments;
        using var noGrad = no_grad();
        var logits = model.ForwardHead(1, features);
        logits.argmax(1).data<long>().ToArray().Select(v => (int)v).Should().Equal(expected);
        // Decided but not saturated: the typical image is several times likelier in its cluster than the next.
        var top = softmax(logits, 1).topk(2, dim: 1).values;
        double ratio = (top[.., 0] / top[.., 1]).median().item<float>();
        ratio.Should().BeInRange(2, 50);
        bool unchanged = model.ForwardHead(0, features).allclose(headZeroBefore, rtol: 0, atol: 0);
        unchanged.Should().BeTrue("heads not listed keep their random start");
    }

    [Fact]
    public async Task Heads_only_training_from_k_means_heads_is_deterministic_and_reaches_high_accuracy()
    {
        var data = new SyntheticImages(perClass: 64, classes: 4, noise: 0.05);
        using var neighbors = data.TrueNeighbors(5);
        var options = new ScanClusteringOptions
        {
            Clusters = 4, Heads = 2, KMeansInitializedHeads = 2, EntropyWeight = 2, Epochs = 20, BatchSize = 64,
            LearningRate = 1e-2, UpdateBackbone = false, FeatureCachePasses = 1, FeatureCacheViews = CachedViews.Unaugmented,
        };
        async Task<(ScanClusteringResult Result, int[] Predicted)> Train()
        {
            random.manual_seed(1);
            using var model = new ClusteringModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), 4, 2);
            var result = await new ScanClusteringTrainer(options, new NoAugmentation(), new NoAugmentation(), seed: 3).TrainAsync(model, data, neighbors);
            using var noGrad = no_grad();
            model.eval();
            var predicted = model.forward(data.GetBatch(Enumerable.Range(0, data.Count).ToArray())).argmax(1).data<long>().ToArray().Select(v => (int)v).ToArray();
            return (result, predicted);
        }

        var (a, predictedA) = await Train();
        var (b, predictedB) = await Train();
        b.HeadLosses.Select(h => h.Total).Should().Equal(a.HeadLosses.Select(h => h.Total));
        predictedB.Should().Equal(predictedA);
        BruteForceAccuracy.Of(predictedA, data.Labels!, 4).Should().BeGreaterThan(0.95);
    }

    [Fact]
    public void More_k_means_heads_than_heads_fails_validation_naming_both()
    {
        var options = new ScanOptions();
        options.Clustering.Heads = 2;
        options.Clustering.KMeansInitializedHeads = 3;
        var act = () => ScanOptionsValidation(options);
        act.Should().Throw<Exception>().WithMessage("*KMeansInitializedHeads (3)*Heads (2)*");
    }

    private static void ScanOptionsValidation(ScanOptions options) =>
        ScanPipeline.Create().WithOptions(options).Build();
}
