using System.Text.Json;
using Scan.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Models;

public class BackboneTests
{
    [Fact]
    public void ResNet18_state_dict_keys_and_shapes_match_torchvision()
    {
        // Fixture: Fixtures/models/make_resnet_keys.py (torchvision resnet18, 1 input channel, fc removed).
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "resnet18_state_dict.json")));
        var expected = json.RootElement.GetProperty("entries").EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());

        using var backbone = ResNetBackbone.ResNet18(ResNetStem.ImageNet, inputChannels: 1);
        var actual = backbone.state_dict();

        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, tensor) in actual)
            tensor.shape.Should().Equal(expected[key], key);
    }

    [Theory]
    [InlineData(ResNetStem.Cifar, 3, 32, 32)]
    [InlineData(ResNetStem.Cifar, 1, 28, 28)]
    [InlineData(ResNetStem.ImageNet, 3, 96, 96)]
    [InlineData(ResNetStem.ImageNet, 3, 40, 72)]
    public void Features_have_eight_times_the_width(ResNetStem stem, int channels, int height, int width)
    {
        using var scope = NewDisposeScope();
        var backbone = new ResNetBackbone(stem, channels, 8, new[] { 1, 2, 1, 1 });
        var features = backbone.forward(rand(3, channels, height, width));
        features.shape.Should().Equal(3, 64);
        backbone.FeatureDim.Should().Be(64);
    }

    [Fact]
    public void Cifar_stem_keeps_full_resolution_in_the_first_stage()
    {
        using var scope = NewDisposeScope();
        var cifar = ResNetBackbone.Small(1);
        var imagenet = new ResNetBackbone(ResNetStem.ImageNet, 1, 16, new[] { 1, 1, 1, 1 });
        // CIFAR stem: one 3x3 stride-1 conv; ImageNet stem: 7x7 stride-2 conv.
        cifar.state_dict()["conv1.weight"].shape.Should().Equal(16, 1, 3, 3);
        imagenet.state_dict()["conv1.weight"].shape.Should().Equal(16, 1, 7, 7);
        imagenet.state_dict().Keys.Should().NotContain(k => k.Contains("maxpool"), "max-pool has no parameters");
    }

    [Fact]
    public void Wrong_channels_are_rejected_with_the_shapes_named()
    {
        using var scope = NewDisposeScope();
        var backbone = ResNetBackbone.Small(1);
        var act = () => backbone.forward(rand(2, 3, 28, 28));
        act.Should().Throw<ArgumentException>().WithMessage("*(B, 1, H, W)*(2, 3, 28, 28)*");
    }

    [Fact]
    public void Invalid_architectures_are_rejected()
    {
        var act = () => new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 1, 1, 1 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*four stages*");
        var zeroWidth = () => new ResNetBackbone(ResNetStem.Cifar, 1, 0, new[] { 1, 1, 1, 1 });
        zeroWidth.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("width");
    }

    [Fact]
    public void Contrastive_model_outputs_unit_length_projections()
    {
        using var scope = NewDisposeScope();
        var model = new ContrastiveModel(ResNetBackbone.Small(1), projectionDim: 32);
        var z = model.forward(rand(4, 1, 28, 28));
        z.shape.Should().Equal(4, 32);
        z.norm(1).data<float>().ToArray().Should().AllSatisfy(n => n.Should().BeApproximately(1f, 1e-5f));
        model.state_dict().Keys.Should().Contain(new[] { "backbone.conv1.weight", "contrastive_head.0.weight", "contrastive_head.2.bias" });
    }

    [Fact]
    public void Clustering_model_routes_forward_through_the_selected_head()
    {
        using var scope = NewDisposeScope();
        var model = new ClusteringModel(ResNetBackbone.Small(1), clusters: 5, heads: 3);
        model.eval();
        var x = rand(2, 1, 28, 28);
        var features = model.Backbone.forward(x);
        var heads = model.ForwardHeads(features);
        heads.Should().HaveCount(3);
        model.SelectedHead = 2;
        model.forward(x).allclose(heads[2], rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        model.state_dict().Keys.Should().Contain("cluster_head.2.weight");

        var bad = () => model.SelectedHead = 3;
        bad.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 3)*");
        var oneCluster = () => new ClusteringModel(ResNetBackbone.Small(1), clusters: 1);
        oneCluster.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least 2 clusters*");
    }
}

/// <summary>Seeding is process-wide: any test that calls <c>torch.rand</c> without a generator while this one builds
/// its two backbones changes the second one's weights (CI failed so on 2026-12-03). The gate only orders Scan.NET's
/// own runs, so this test runs in the collection that never overlaps another.</summary>
[Collection(nameof(Scan.Tests.Stages.TrainingCollection))]
public class BackboneSeedTests
{
    [Fact]
    public void Same_seed_gives_the_same_initial_weights()
    {
        using var scope = NewDisposeScope();
        var a = Scan.Core.Runtime.GlobalRandom.Seeded(3, () => ResNetBackbone.Small(1), null);
        var b = Scan.Core.Runtime.GlobalRandom.Seeded(3, () => ResNetBackbone.Small(1), null);
        foreach (var (key, tensor) in a.state_dict())
            tensor.allclose(b.state_dict()[key], rtol: 0, atol: 0).Should().BeTrue(key);
    }
}
