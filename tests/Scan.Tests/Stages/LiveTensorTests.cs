using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

/// <summary>
/// Every stage disposes what it creates: TorchSharp's process-wide live tensor count is the same before and right
/// after the stage (before any garbage collection, so a tensor left to the finaliser counts as a leak). The epoch-to-
/// epoch tests in the trainer test classes catch per-step leaks; these catch once-per-stage ones (caches, copies,
/// optimizer state, validation temporaries). The whole pipeline is checked after a collection: nothing but the
/// model it returns may stay alive. The collection runs alone, so no other test changes the count.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class LiveTensorTests
{

    public static TheoryData<string> Stages() => new()
    {
        "SimClrTrainer", "ScanClusteringTrainer (heads only)", "ScanClusteringTrainer (full)", "SelfLabelingTrainer", "SelfLabelingTrainer (EMA)",
        "FeatureExtractor + NeighborMiner", "ScanModel.Predict",
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public async Task A_stage_leaves_as_many_live_tensors_as_it_found(string stage)
    {
        // Made before counting: the synthetic images' own construction leaves temporaries to the finaliser.
        var data = new SyntheticImages(perClass: 16, classes: 4);   // 64 images, batch 32
        using var neighbors = data.TrueNeighbors(3);
        random.manual_seed(1);
        using var contrastive = new ContrastiveModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), 16);
        using var clustering = new ClusteringModel(new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1, 1 }), 4, 2);
        var views = new NoiseAugmentation(0.1);
        long before = Drained();
        long expectedNew = 0;
        switch (stage)
        {
            case "SimClrTrainer":
                await new SimClrTrainer(new SimClrOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.1 }, views).TrainAsync(contrastive, data);
                break;
            case "ScanClusteringTrainer (heads only)":
            case "ScanClusteringTrainer (full)":
                await new ScanClusteringTrainer(new ScanClusteringOptions { Clusters = 4, Heads = 2, Epochs = 2, BatchSize = 32, UpdateBackbone = stage.Contains("full"), FeatureCachePasses = 2 },
                    views, new NoAugmentation()).TrainAsync(clustering, data, neighbors);
                break;
            case "SelfLabelingTrainer":
            case "SelfLabelingTrainer (EMA)":
                await new SelfLabelingTrainer(new SelfLabelingOptions { Epochs = 2, BatchSize = 32, ConfidenceThreshold = 0.3, UseEma = stage.Contains("EMA") },
                    new NoAugmentation(), views).TrainAsync(clustering, data);
                break;
            case "FeatureExtractor + NeighborMiner":
                contrastive.eval();
                var features = FeatureExtractor.Embed(data, contrastive.forward, new FeatureExtractorOptions { BatchSize = 24 });
                new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 }).Mine(features);
                new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3, UseTensorProducts = true }).Mine(features);
                expectedNew = 1;   // the features, which the caller owns
                Tensor.TotalCount.Should().Be(before + expectedNew);
                features.Dispose();
                expectedNew = 0;
                break;
            case "ScanModel.Predict":
                var model = new ScanModel(clustering, new ScanModelInfo
                {
                    Channels = 1, Height = 16, Width = 16, Mean = new[] { 0.5f }, Std = new[] { 0.25f },
                    Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16 }, Clusters = 4, Heads = 2, SelectedHead = 0,
                });
                model.Predict(data, batchSize: 24);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(stage), stage, null);
        }

        Tensor.TotalCount.Should().Be(before + expectedNew, $"{stage} must dispose every tensor it creates");
    }

    [Fact]
    public async Task A_pipeline_run_keeps_nothing_alive_but_the_model_it_returns()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        long footprint = ModelFootprint();
        long before = Drained();
        using var result = await ScanPipeline.Create()
            .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
            .WithPretext(o => { o.Epochs = 1; o.BatchSize = 32; o.ProjectionDim = 16; })
            .WithNeighbors(5)
            .WithClustering(o => { o.Clusters = 4; o.Epochs = 2; o.BatchSize = 32; o.UpdateBackbone = false; o.FeatureCachePasses = 2; })
            .WithSelfLabeling(o => { o.Epochs = 1; o.BatchSize = 32; })
            .Build().RunAsync(data);
        // After a collection (the pipeline's own models and temporaries are garbage by then), what building the same
        // models by hand leaves alive, within 4 either way: TorchSharp 0.107 keeps counts for parameters it has
        // created, and whether the dropped projection head's 4 parameters (two Linear layers) are still counted here
        // changed with nothing but assembly layout (the same commit measured +4 and 0 depending on which unrelated
        // classes were public). A leaked model, batch or feature cache is tens to thousands of tensors.
        Drained().Should().BeInRange(before + footprint - 5, before + footprint + 4);
    }

    /// <summary>
    /// Live tensors that building the tiny pipeline's models leaves after a collection: the clustering model (kept)
    /// and a projection head on the same backbone (dropped). TorchSharp 0.107 keeps one count in
    /// <see cref="Tensor.TotalCount"/> for every parameter ever created, even once collected, so the dropped head
    /// shows too.
    /// </summary>
    private static long ModelFootprint()
    {
        long before = Drained();
        var backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16, Stem = ResNetStem.Cifar }.Build(1, 16, 16);
        using var clustering = new ClusteringModel(backbone, 4, 1);
        BuildAndDropProjectionHead(backbone);
        return Drained() - before;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void BuildAndDropProjectionHead(Backbone backbone) => _ = new ContrastiveModel(backbone, 16);

    private static long Drained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
