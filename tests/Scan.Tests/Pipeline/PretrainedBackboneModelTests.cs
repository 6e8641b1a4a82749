using Scan.Core.Inference;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Tests.Stages;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Tests.Pipeline;

/// <summary>
/// A model trained on a pretrained backbone records that backbone, not the options' one, so it loads again: a
/// ResNet of another shape through its description, a backbone class of the caller's own through a factory.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class PretrainedBackboneModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-pretrained-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Options say SmallResNet width 16; every test brings a backbone of another shape.</summary>
    private static ScanPipelineBuilder Tiny() => ScanPipeline.Create()
        .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
        .Configure(o => o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 })
        .WithNeighbors(5)
        .WithClustering(o => { o.Clusters = 4; o.Heads = 2; o.Epochs = 2; o.BatchSize = 32; o.UpdateBackbone = false; o.FeatureCachePasses = 1; })
        .WithoutSelfLabeling()
        .WithSeed(3);

    [Fact]
    public void Describe_names_the_ResNets_options_can_build_and_nothing_else()
    {
        using var resnet18 = ResNetBackbone.ResNet18(ResNetStem.ImageNet, 3, width: 24);
        using var small = ResNetBackbone.Small(1, width: 32);
        using var odd = new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 2, 1, 1, 1 });
        using var own = new TinyConvBackbone();

        BackboneOptions.Describe(resnet18).Should().BeEquivalentTo(
            new BackboneOptions { Architecture = BackboneArchitecture.ResNet18, Stem = ResNetStem.ImageNet, Width = 24 });
        BackboneOptions.Describe(small).Should().BeEquivalentTo(
            new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Stem = ResNetStem.Cifar, Width = 32 });
        BackboneOptions.Describe(odd).Should().BeNull("{2,1,1,1} is neither ResNet-18 nor the small ResNet");
        BackboneOptions.Describe(own).Should().BeNull();
    }

    [Fact]
    public void A_described_backbone_builds_back_to_the_same_shapes()
    {
        using var original = ResNetBackbone.ResNet18(ResNetStem.Cifar, 1, width: 16);
        using var rebuilt = BackboneOptions.Describe(original)!.Build(1, 16, 16);

        var expected = original.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
        rebuilt.state_dict().ToDictionary(p => p.Key, p => p.Value.shape).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task A_model_on_a_pretrained_ResNet_of_another_shape_saves_and_loads()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await Tiny()
            .WithPretrainedBackbone(() => ResNetBackbone.ResNet18(ResNetStem.Cifar, 1, width: 16))
            .Build().RunAsync(data);
        string path = Path.Combine(_dir, "resnet18.scan");

        result.Model.Info.Backbone.Should().BeEquivalentTo(
            new BackboneOptions { Architecture = BackboneArchitecture.ResNet18, Stem = ResNetStem.Cifar, Width = 16 },
            "the pretrained backbone is a ResNet-18, whatever the options say");
        result.Model.Save(path);
        using var loaded = ScanModel.Load(path);

        loaded.Predict(data).Clusters.Should().Equal(result.Assignments);
    }

    [Fact]
    public async Task A_model_on_a_backbone_of_the_callers_own_loads_through_a_factory()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await Tiny().WithPretrainedBackbone(() => new TinyConvBackbone()).Build().RunAsync(data);
        string path = Path.Combine(_dir, "own.scan");
        result.Model.Info.Backbone.Should().BeNull();
        result.Model.Save(path);

        var withoutFactory = () => ScanModel.Load(path);
        withoutFactory.Should().Throw<InvalidOperationException>().WithMessage($"*{path}*backbone of your own*ScanModel.Load(path, info =>*");

        using var loaded = ScanModel.Load(path, info => new TinyConvBackbone(info.Channels));
        var predictions = loaded.Predict(data);
        predictions.Clusters.Should().Equal(result.Assignments);
        predictions.Confidences.Should().Equal(result.Confidences);
    }

    [Fact]
    public async Task A_resumed_run_on_a_backbone_of_the_callers_own_reloads_its_model()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        string run = Path.Combine(_dir, "run");
        var pipeline = Tiny().WithPretrainedBackbone(() => new TinyConvBackbone()).WithRunDirectory(run).Build();
        using var first = await pipeline.RunAsync(data);

        using var second = await pipeline.RunAsync(data);

        second.Stages.Where(s => s.Stage != ScanStage.Evaluation).Should().OnlyContain(s => s.Loaded);
        second.Assignments.Should().Equal(first.Assignments);
    }

    [Fact]
    public void A_factory_whose_backbone_does_not_fit_the_file_is_refused_naming_the_file()
    {
        string path = Path.Combine(_dir, "mismatch.scan");
        var info = new ScanModelInfo
        {
            Channels = 1, Height = 16, Width = 16, Mean = [0.5f], Std = [0.25f], Backbone = null,
            Clusters = 3, Heads = 1, SelectedHead = 0,
        };
        using (var model = new ScanModel(new ClusteringModel(new TinyConvBackbone(), clusters: 3, heads: 1), info))
            model.Save(path);

        var act = () => ScanModel.Load(path, _ => new TinyConvBackbone(channels: 1, features: 12));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*");
    }

    /// <summary>A backbone class BackboneOptions knows nothing of: one convolution and global average pooling.</summary>
    private sealed class TinyConvBackbone : Backbone
    {
        private readonly TorchSharp.Modules.Conv2d conv;
        private readonly int _features;
        private readonly int _channels;

        public TinyConvBackbone(int channels = 1, int features = 16) : base(nameof(TinyConvBackbone))
        {
            _channels = channels;
            _features = features;
            conv = Conv2d(channels, features, 3, padding: 1);
            RegisterComponents();
        }

        public override int FeatureDim => _features;

        public override int InputChannels => _channels;

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return functional.relu(conv.forward(input)).mean(new long[] { 2, 3 }).MoveToOuterDisposeScope();
        }
    }
}
