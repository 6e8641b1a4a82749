using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Bad arguments to <see cref="ScanPipeline"/>: refused by <c>Build()</c> (options) or by <c>RunAsync</c> before any
/// training (a dataset that does not fit the options).
/// </summary>
public sealed class BadInputPipelineTests
{
    private static readonly Type Arg = typeof(ArgumentException);
    private static readonly Type Null = typeof(ArgumentNullException);

    private static readonly SyntheticImages Data = new(perClass: 4, classes: 4);   // 16 images

    /// <summary>Options that fit <see cref="Data"/>: every row changes one thing.</summary>
    private static ScanPipelineBuilder Fitting() => ScanPipeline.Create()
        .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
        .WithPretext(o => { o.Epochs = 1; o.BatchSize = 8; })
        .WithNeighbors(3)
        .WithClustering(o => { o.Clusters = 4; o.BatchSize = 8; o.Epochs = 1; })
        .WithSelfLabeling(o => { o.BatchSize = 8; o.Epochs = 1; });

    private static BadInput Build(string name, Func<ScanPipelineBuilder, ScanPipelineBuilder> change, params string[] message) =>
        BadInput.Sync($"Build: {name}", () => change(Fitting()).Build(), Arg, "options", message);

    private static BadInput Run(string name, Func<ScanPipelineBuilder, ScanPipelineBuilder> change, IImageDataset dataset, params string[] message) =>
        new($"RunAsync: {name}", async () =>
        {
            using var result = await change(Fitting()).Build().RunAsync(dataset);
        }, Arg, "dataset", message);

    private static IImageDataset Images(int count, int channels = 1)
    {
        using var images = rand(count, channels, 16, 16);
        return new InMemoryImageDataset(images);
    }

    private static IEnumerable<BadInput> Rows()
    {
        yield return BadInput.Sync("WithOptions: null", () => ScanPipeline.Create().WithOptions(null!), Null, "options");
        yield return BadInput.Sync("WithPretrainedBackbone: null", () => ScanPipeline.Create().WithPretrainedBackbone(null!), Null, "backbone");
        yield return BadInput.Sync("WithNeighbors: null set", () => ScanPipeline.Create().WithNeighbors((NeighborSet)null!), Null, "neighbors");
        yield return Build("1 cluster", b => b.WithClustering(o => o.Clusters = 1), "Clusters", "Found 1.");
        yield return Build("negative entropy weight", b => b.WithClustering(o => o.EntropyWeight = -2), "EntropyWeight", "Found -2.");
        yield return Build("threshold 0", b => b.WithSelfLabeling(o => o.ConfidenceThreshold = 0), "ConfidenceThreshold", "Found 0.");
        yield return Build("threshold 1", b => b.WithSelfLabeling(o => o.ConfidenceThreshold = 1), "ConfidenceThreshold", "Found 1.");
        yield return Build("K = 0", b => b.WithNeighbors(0), "NumNeighbors", "Found 0.");
        yield return Build("SimCLR learning rate 1e6", b => b.WithPretext(o => o.LearningRate = 1e6), "Pretext: SimClrOptions: LearningRate", "Found 1000000.");
        yield return Build("backbone width 0", b => b.WithBackbone(BackboneArchitecture.SmallResNet, width: 0), "Width", "Found 0.");
        yield return Build("device 'gpu'", b => b.OnDevice("gpu"), "Device", "'gpu'");
        yield return Build("mean without std", b => b.Configure(o => o.Augmentation.Mean = new[] { 0.5f }), "Augmentation.Mean and Augmentation.Std");
        yield return new("RunAsync: null dataset", () => Fitting().Build().RunAsync(null!), Null, "dataset");
        yield return Run("empty dataset", b => b, Images(0), "0 image(s)");
        yield return Run("one image", b => b, Images(1), "1 image(s)");
        yield return Run("2-channel images", b => b, new RawImages(rand(16, 2, 16, 16)), "found 2");
        yield return Run("K = N", b => b.WithNeighbors(16), Data, "NumNeighbors (16)", "dataset size (16)");
        yield return Run("pretext batch larger than the data", b => b.WithPretext(o => o.BatchSize = 17), Data, "Pretext BatchSize (17)", "16 images");
        yield return Run("clustering batch larger than the data", b => b.WithClustering(o => o.BatchSize = 32), Data, "Clustering BatchSize (32)", "16 images");
        yield return Run("self-labelling batch larger than the data", b => b.WithSelfLabeling(o => o.BatchSize = 20), Data, "SelfLabeling BatchSize (20)", "16 images");
        yield return Run("more clusters than images", b => b.WithClustering(o => { o.Clusters = 20; o.BatchSize = 8; }).WithNeighbors(3), Data, "Clusters (20)", "dataset size (16)");
        yield return Run("neighbours mined on another dataset", b => b.WithNeighbors(new NeighborSet(10, 3, Ring(10, 3), new float[30])), Data, "cover 10 images", "has 16");
        yield return Run("normalisation for 3 channels, grey images", b => b.Configure(o => { o.Augmentation.Mean = new[] { 0.5f, 0.5f, 0.5f }; o.Augmentation.Std = new[] { 0.2f, 0.2f, 0.2f }; }), Data, "3 channel(s)", "dataset 1");
        yield return Run("pretrained backbone for RGB, grey images", b => b.WithPretrainedBackbone(() => TinyModels.Backbone(channels: 3)), Data, "expects 3 channel(s)", "dataset has 1");
    }

    /// <summary>Neighbours i+1, ..., i+k (mod n) of every anchor i: a valid set of any size.</summary>
    private static int[] Ring(int n, int k) => Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(1, k).Select(j => (i + j) % n)).ToArray();

    public static TheoryData<string> Names() => BadInputTable.Names(Rows());

    [Theory]
    [MemberData(nameof(Names))]
    public Task Is_refused_naming_the_argument_and_the_value(string row) => BadInputTable.Check(Rows(), row);
}
