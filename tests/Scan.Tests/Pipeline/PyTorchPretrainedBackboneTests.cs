using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Tests.Stages;
using static TorchSharp.torch;

namespace Scan.Tests.Pipeline;

/// <summary>ScanPipelineBuilder.WithPretrainedBackbone with a PyTorch state dict (fixture: make_pytorch_weights.py).</summary>
[Collection(nameof(TrainingCollection))]
public sealed class PyTorchPretrainedBackboneTests
{
    private static readonly string TorchvisionPath =
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "small_resnet_torchvision.pt");

    /// <summary>Mining and a short clustering stage on 64 synthetic 16x16 images, backbone frozen.</summary>
    private static ScanPipelineBuilder Tiny() => ScanPipeline.Create()
        .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
        .Configure(o => o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 })
        .WithNeighbors(5)
        .WithClustering(o => { o.Clusters = 4; o.Heads = 1; o.Epochs = 2; o.BatchSize = 32; o.UpdateBackbone = false; })
        .WithoutSelfLabeling()
        .WithSeed(7);

    [Fact]
    public async Task A_PyTorch_state_dict_replaces_the_pretext_stage()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);

        using var result = await Tiny()
            .WithPretrainedBackbone(() => ResNetBackbone.Small(1), TorchvisionPath)
            .Build().RunAsync(data);

        result.Stages[0].Loaded.Should().BeTrue("the pretext stage was skipped");
        using var scope = NewDisposeScope();
        var expected = ResNetBackbone.Small(1);
        expected.LoadPyTorchWeights(TorchvisionPath);
        var used = result.Model.Network.Backbone.state_dict();
        foreach (var key in new[] { "conv1.weight", "layer2.0.downsample.0.weight", "layer4.0.conv2.weight" })
            used[key].allclose(expected.state_dict()[key], rtol: 0, atol: 0).Should().BeTrue(key);
    }

    [Fact]
    public async Task A_state_dict_that_does_not_fit_the_backbone_fails_the_run_before_training()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var pipeline = Tiny().WithPretrainedBackbone(() => ResNetBackbone.Small(1, width: 32), TorchvisionPath).Build();

        var act = () => pipeline.RunAsync(data);

        await act.Should().ThrowAsync<StateDictMismatchException>().WithMessage("*conv1.weight: expected (32, 1, 3, 3), found (16, 1, 3, 3)*");
    }

    [Fact]
    public void A_missing_file_is_refused_when_configuring()
    {
        var act = () => ScanPipeline.Create().WithPretrainedBackbone(() => ResNetBackbone.Small(1), "no-such-weights.pth");

        act.Should().Throw<FileNotFoundException>().WithMessage("*no-such-weights.pth*");
    }
}
