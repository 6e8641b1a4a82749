using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Mining;
using Scan.Core.Models;
using TorchSharp;
using Scan.Core.Pipeline;
using Scan.Tests.Stages;

namespace Scan.Tests.Pipeline;

/// <summary>
/// <see cref="MiningOptions.Features"/>: the neighbours come from the projection head by default and from the backbone
/// when asked, on the same pretext model; a pretrained backbone (no projection head) gives the same neighbours either way.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class MiningFeaturesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-mining-features-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Backbone_features_give_the_neighbours_of_the_backbone_of_the_same_pretext_model()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        string onProjection = Path.Combine(_dir, "projection"), onBackbone = Path.Combine(_dir, "backbone");
        using var projection = await ScanPipelineTests.Tiny().WithoutSelfLabeling().WithRunDirectory(onProjection).Build().RunAsync(data);
        using var backbone = await ScanPipelineTests.Tiny().WithoutSelfLabeling().WithRunDirectory(onBackbone)
            .Configure(o => o.Mining.Features = MiningFeatures.Backbone).Build().RunAsync(data);

        // One pretext model (same seed), two embeddings of it.
        backbone.Stages[0].History.Select(e => e.Metrics["loss"]).Should().Equal(projection.Stages[0].History.Select(e => e.Metrics["loss"]));
        var fromProjection = NeighborSet.Load(Path.Combine(onProjection, "mining", "neighbors.scan"));
        var fromBackbone = NeighborSet.Load(Path.Combine(onBackbone, "mining", "neighbors.scan"));
        Enumerable.Range(0, data.Count).Any(i => !fromProjection.GetIndices(i).SequenceEqual(fromBackbone.GetIndices(i)))
            .Should().BeTrue("the projection head maps the backbone's features to other neighbourhoods");

        // The backbone's neighbours are those of its own features, mined directly.
        using var model = ScanPipeline.LoadPretextModel(onBackbone, data.Channels, data.Height, data.Width)!;
        model.eval();
        var eval = AugmentationRecipes.Eval(new NormalizationStats(backbone.Model.Info.Mean, backbone.Model.Info.Std));
        using var features = FeatureExtractor.Embed(data, model.Backbone.call, new FeatureExtractorOptions { Preprocessing = eval });
        var expected = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = fromBackbone.NumNeighbors }).Mine(features, null, default);
        for (int i = 0; i < data.Count; i++)
            fromBackbone.GetIndices(i).ToArray().Should().Equal(expected.GetIndices(i).ToArray(), $"image {i}");
    }

    [Fact]
    public async Task A_pretrained_backbone_is_mined_on_its_features_whichever_is_asked()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var projection = await ScanPipelineTests.Tiny().WithoutSelfLabeling().WithPretrainedBackbone(Pretrained).Build().RunAsync(data);
        using var backbone = await ScanPipelineTests.Tiny().WithoutSelfLabeling().WithPretrainedBackbone(Pretrained)
            .Configure(o => o.Mining.Features = MiningFeatures.Backbone).Build().RunAsync(data);

        backbone.Mining!.NeighborPurity.Should().Be(projection.Mining!.NeighborPurity);
        backbone.Assignments.Should().Equal(projection.Assignments);
    }

    /// <summary>A small ResNet with fixed weights, as a pretrained backbone would have.</summary>
    private static Backbone Pretrained()
    {
        torch.random.manual_seed(3);
        return new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 8, Stem = ResNetStem.Cifar }.Build(1, 16, 16);
    }
}
