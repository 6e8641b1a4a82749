using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Bad arguments to the trainers (constructors and <c>TrainAsync</c>) and the models they train. Option ranges as
/// such are property-tested elsewhere; the rows here check that each trainer refuses them, naming the value.
/// </summary>
public sealed class BadInputTrainingTests
{
    private static readonly Type Arg = typeof(ArgumentException);
    private static readonly Type Range = typeof(ArgumentOutOfRangeException);
    private static readonly Type Null = typeof(ArgumentNullException);

    private static readonly SyntheticImages Data = new(perClass: 8, classes: 4);   // 32 grey 16x16 images

    private static readonly NoAugmentation Views = new();

    private static IImageDataset Empty()
    {
        using var none = zeros(0, 1, 16, 16);
        return new InMemoryImageDataset(none);
    }

    private static IImageDataset Rgb()
    {
        using var images = rand(32, 3, 16, 16);
        return new InMemoryImageDataset(images);
    }

    private static SimClrTrainer SimClr(int batch = 16) => new(new SimClrOptions { Epochs = 1, BatchSize = batch }, Views);

    private static ScanClusteringTrainer Scan(int batch = 16, int clusters = 4) => new(new ScanClusteringOptions { Clusters = clusters, Epochs = 1, BatchSize = batch }, Views, Views);

    private static SelfLabelingTrainer Self(int batch = 16) => new(new SelfLabelingOptions { Epochs = 1, BatchSize = batch }, Views, Views);

    private static async Task WithContrastive(Func<ContrastiveModel, Task> act)
    {
        using var model = TinyModels.Contrastive(1);
        await act(model);
    }

    private static async Task WithClustering(Func<ClusteringModel, Task> act, int clusters = 4)
    {
        using var model = TinyModels.Clustering(1, clusters);
        await act(model);
    }

    /// <summary>Runs ScanClusteringTrainer.TrainAsync with a neighbours tensor made by <paramref name="neighbors"/>.</summary>
    private static Task ScanWith(Func<Tensor> neighbors) => WithClustering(async model =>
    {
        using var n = neighbors();
        await Scan().TrainAsync(model, Data, n);
    });

    private static IEnumerable<BadInput> Rows()
    {
        // SimClrTrainer
        yield return BadInput.Sync("SimClrTrainer: null options", () => new SimClrTrainer(null!, Views), Null, "options");
        yield return BadInput.Sync("SimClrTrainer: null views", () => new SimClrTrainer(new SimClrOptions(), null!), Null, "views");
        yield return BadInput.Sync("SimClrTrainer: batch size 1", () => new SimClrTrainer(new SimClrOptions { BatchSize = 1 }, Views), Arg, "options", "BatchSize", "Found 1.");
        yield return BadInput.Sync("SimClrTrainer: temperature 0", () => new SimClrTrainer(new SimClrOptions { Temperature = 0 }, Views), Arg, "options", "Temperature", "Found 0.");
        yield return BadInput.Sync("SimClrTrainer: NaN learning rate", () => new SimClrTrainer(new SimClrOptions { LearningRate = double.NaN }, Views), Arg, "options", "LearningRate", "Found NaN.");
        yield return BadInput.Sync("SimClrTrainer: warm-up longer than training", () => new SimClrTrainer(new SimClrOptions { Epochs = 3, WarmupEpochs = 5 }, Views), Arg, "options", "WarmupEpochs (5)", "Epochs (3)");
        yield return new("SimClrTrainer.TrainAsync: null model", () => SimClr().TrainAsync(null!, Data), Null, "model");
        yield return new("SimClrTrainer.TrainAsync: null dataset", () => WithContrastive(m => SimClr().TrainAsync(m, null!)), Null, "dataset");
        yield return new("SimClrTrainer.TrainAsync: empty dataset", () => WithContrastive(m => SimClr().TrainAsync(m, Empty())), Arg, "dataset", "BatchSize 16", "(0 images)");
        yield return new("SimClrTrainer.TrainAsync: batch larger than the data", () => WithContrastive(m => SimClr(batch: 64).TrainAsync(m, Data)), Arg, "dataset", "BatchSize 64", "(32 images)");
        yield return new("SimClrTrainer.TrainAsync: RGB images, grey model", () => WithContrastive(m => SimClr().TrainAsync(m, Rgb())), Arg, "dataset", "3 channel(s)", "expects 1");

        // ScanClusteringTrainer
        yield return BadInput.Sync("ScanClusteringTrainer: null options", () => new ScanClusteringTrainer(null!, Views, Views), Null, "options");
        yield return BadInput.Sync("ScanClusteringTrainer: null evaluation recipe", () => new ScanClusteringTrainer(new ScanClusteringOptions(), Views, null!), Null, "evaluation");
        yield return BadInput.Sync("ScanClusteringTrainer: 1 cluster", () => new ScanClusteringTrainer(new ScanClusteringOptions { Clusters = 1 }, Views, Views), Arg, "options", "Clusters", "Found 1.");
        yield return BadInput.Sync("ScanClusteringTrainer: negative entropy weight", () => new ScanClusteringTrainer(new ScanClusteringOptions { EntropyWeight = -0.5 }, Views, Views), Arg, "options", "EntropyWeight", "Found -0.5.");
        yield return BadInput.Sync("ScanClusteringTrainer: NaN entropy weight", () => new ScanClusteringTrainer(new ScanClusteringOptions { EntropyWeight = double.NaN }, Views, Views), Arg, "options", "EntropyWeight", "Found NaN.");
        yield return BadInput.Sync("ScanClusteringTrainer: 0 heads", () => new ScanClusteringTrainer(new ScanClusteringOptions { Heads = 0 }, Views, Views), Arg, "options", "Heads", "Found 0.");
        yield return BadInput.Sync("ScanClusteringTrainer: 0 cache passes", () => new ScanClusteringTrainer(new ScanClusteringOptions { FeatureCachePasses = 0 }, Views, Views), Arg, "options", "FeatureCachePasses", "Found 0.");
        yield return new("ScanClusteringTrainer.TrainAsync: null neighbours", () => WithClustering(m => Scan().TrainAsync(m, Data, (Tensor)null!)), Null, "neighbors");
        yield return new("ScanClusteringTrainer.TrainAsync: empty dataset", () => WithClustering(async m =>
        {
            using var n = zeros(new long[] { 0, 3 }, int64);
            await Scan().TrainAsync(m, Empty(), n);
        }), Arg, "dataset", "BatchSize 16", "(0 images)");
        yield return new("ScanClusteringTrainer.TrainAsync: batch larger than the data", () => WithClustering(async m =>
        {
            using var n = Data.TrueNeighbors(3);
            await Scan(batch: 33).TrainAsync(m, Data, n);
        }), Arg, "dataset", "BatchSize 33", "(32 images)");
        yield return new("ScanClusteringTrainer.TrainAsync: RGB images, grey model", () => WithClustering(async m =>
        {
            using var n = Data.TrueNeighbors(3);
            await Scan().TrainAsync(m, Rgb(), n);
        }), Arg, "dataset", "3 channel(s)", "expects 1");
        yield return new("ScanClusteringTrainer.TrainAsync: model with other clusters than the options", () => WithClustering(async m =>
        {
            using var n = Data.TrueNeighbors(3);
            await Scan(clusters: 4).TrainAsync(m, Data, n);
        }, clusters: 5), Arg, "model", "1 head(s) of 5 clusters", "1 of 4");
        yield return new("ScanClusteringTrainer.TrainAsync: neighbours of rank 1", () => ScanWith(() => zeros(new long[] { 32 }, int64)), Arg, "neighbors", "(32, K)", "found (32)");
        yield return new("ScanClusteringTrainer.TrainAsync: neighbours of rank 3", () => ScanWith(() => zeros(new long[] { 32, 3, 1 }, int64)), Arg, "neighbors", "found (32, 3, 1)");
        yield return new("ScanClusteringTrainer.TrainAsync: neighbours for other rows", () => ScanWith(() => zeros(new long[] { 31, 3 }, int64)), Arg, "neighbors", "(32, K)", "found (31, 3)");
        yield return new("ScanClusteringTrainer.TrainAsync: no neighbours per row", () => ScanWith(() => zeros(new long[] { 32, 0 }, int64)), Arg, "neighbors", "found (32, 0)");
        yield return new("ScanClusteringTrainer.TrainAsync: K = N", () => ScanWith(() => zeros(new long[] { 32, 32 }, int64)), Arg, "neighbors", "fewer than 32", "K = 32");
        yield return new("ScanClusteringTrainer.TrainAsync: float32 neighbours", () => ScanWith(() => zeros(new long[] { 32, 3 })), Arg, "neighbors", "Float32");
        yield return new("ScanClusteringTrainer.TrainAsync: uint8 neighbours", () => ScanWith(() => zeros(new long[] { 32, 3 }, ScalarType.Byte)), Arg, "neighbors", "Byte");
        yield return new("ScanClusteringTrainer.TrainAsync: negative neighbour index", () => ScanWith(() => full(new long[] { 32, 3 }, -2L, int64)), Arg, "neighbors", "[0, 32)", "found -2");
        yield return new("ScanClusteringTrainer.TrainAsync: neighbour index = N (int32)", () => ScanWith(() => full(new long[] { 32, 3 }, 32, ScalarType.Int32)), Arg, "neighbors", "[0, 32)", "found 32");
        yield return new("ScanClusteringTrainer.TrainAsync: neighbours on the meta device", () => ScanWith(() => zeros(new long[] { 32, 3 }, int64, device: META)), Arg, "neighbors", "meta");

        // SelfLabelingTrainer
        yield return BadInput.Sync("SelfLabelingTrainer: null strong recipe", () => new SelfLabelingTrainer(new SelfLabelingOptions(), Views, null!), Null, "strong");
        foreach (double threshold in new[] { 0.0, 1.0, -0.1, 1.5, double.NaN })
        {
            yield return BadInput.Sync($"SelfLabelingTrainer: threshold {threshold}", () => new SelfLabelingTrainer(new SelfLabelingOptions { ConfidenceThreshold = threshold }, Views, Views),
                Arg, "options", "ConfidenceThreshold must be in the open interval (0, 1).", $"Found {threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
        yield return BadInput.Sync("SelfLabelingTrainer: EMA decay 1", () => new SelfLabelingTrainer(new SelfLabelingOptions { EmaDecay = 1 }, Views, Views), Arg, "options", "EmaDecay", "Found 1.");
        yield return new("SelfLabelingTrainer.TrainAsync: null model", () => Self().TrainAsync(null!, Data), Null, "model");
        yield return new("SelfLabelingTrainer.TrainAsync: empty dataset", () => WithClustering(m => Self().TrainAsync(m, Empty())), Arg, "dataset", "BatchSize 16", "(0 images)");
        yield return new("SelfLabelingTrainer.TrainAsync: batch larger than the data", () => WithClustering(m => Self(batch: 40).TrainAsync(m, Data)), Arg, "dataset", "BatchSize 40", "(32 images)");
        yield return new("SelfLabelingTrainer.TrainAsync: RGB images, grey model", () => WithClustering(m => Self().TrainAsync(m, Rgb())), Arg, "dataset", "3 channel(s)", "expects 1");

        // The models the trainers train.
        yield return BadInput.Sync("ClusteringModel: 1 cluster", () => new ClusteringModel(TinyModels.Backbone(), 1), Range, "clusters", "1");
        yield return BadInput.Sync("ClusteringModel: 0 heads", () => new ClusteringModel(TinyModels.Backbone(), 4, 0), Range, "heads", "0");
        yield return BadInput.Sync("ClusteringModel: selected head out of range", () => new ClusteringModel(TinyModels.Backbone(), 4, 2).SelectedHead = 2, Range, "value", "[0, 2)");
        yield return BadInput.Sync("ContrastiveModel: projection 0", () => new ContrastiveModel(TinyModels.Backbone(), 0), Range, "projectionDim", "0");
        yield return BadInput.Sync("ResNetBackbone: 3 stages", () => new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1 }), Range, "blocksPerStage", "[1, 1, 1]");
        yield return BadInput.Sync("ResNetBackbone: width 0", () => new ResNetBackbone(ResNetStem.Cifar, 1, 0, new[] { 1, 1, 1, 1 }), Range, "width", "0");
    }

    public static TheoryData<string> Names() => BadInputTable.Names(Rows());

    [Theory]
    [MemberData(nameof(Names))]
    public Task Is_refused_naming_the_argument_and_the_value(string row) => BadInputTable.Check(Rows(), row);
}
