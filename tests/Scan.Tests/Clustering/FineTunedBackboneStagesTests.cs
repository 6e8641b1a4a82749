using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Training;
using Scan.Tests.Stages;
using static TorchSharp.torch;

namespace Scan.Tests.Clustering;

/// <summary>
/// SCAN with the backbone's last stages trained beside the heads (<see cref="ScanClusteringOptions.FineTunedBackboneStages"/>),
/// on cached maps of the frozen first stages: the split network computes what the whole one does, only the chosen
/// stages and the heads move, a resumed run ends where an uninterrupted one does, and what cannot work is refused.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class FineTunedBackboneStagesTests
{
    private static readonly SyntheticImages Data = new(perClass: 8, classes: 4);   // 32 images of 16x16

    private static ClusteringModel NewModel(int pixelComponents = 0)
    {
        random.manual_seed(11);
        return ClusteringModel.Create(ResNetBackbone.Small(1, width: 16), 4, 2, pixelComponents, 16 * 16);
    }

    private static ScanClusteringOptions Options(int stages, int epochs = 2) => new()
    {
        Clusters = 4, Heads = 2, UpdateBackbone = false, FineTunedBackboneStages = stages, Epochs = epochs, BatchSize = 16,
        FeatureCachePasses = 2, LearningRate = 1e-2, BackboneLearningRate = 1e-3,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_first_and_last_stages_together_compute_the_backbones_features_for_every_split(bool channelsLast)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(12);
        using var backbone = ResNetBackbone.Small(1, width: 16);
        backbone.Layout = channelsLast ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Contiguous;
        backbone.eval();
        using var noGrad = no_grad();
        var images = rand(6, 1, 16, 16);
        var whole = backbone.call(images);

        for (int stages = 0; stages <= ResNetBackbone.StageCount; stages++)
        {
            var maps = backbone.ForwardFirstStages(images, stages);
            var split = backbone.ForwardLastStages(maps, stages);
            split.allclose(whole, rtol: 0, atol: 0).Should().BeTrue($"split before the last {stages} stage(s)");
        }
        backbone.ForwardFirstStages(images, 1).shape.Should().Equal(6, 64, 4, 4);   // layer3's output at 16x16
        var act = () => backbone.ForwardFirstStages(images, 5);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void The_last_stages_share_of_the_multiply_adds_matches_a_hand_count()
    {
        // Width 4 at 8x8 (CIFAR stem), counted by hand: stem 8·8·1·4·9 = 2,304; layer1 8·8·4·(36+36) = 18,432;
        // layer2 4·4·8·(36+72+4) = 14,336; layer3 2·2·16·(72+144+8) = 14,336; layer4 1·1·32·(144+288+16) = 14,336.
        using var backbone = ResNetBackbone.Small(1, width: 4);
        const double total = 2304 + 18432 + 3 * 14336;
        backbone.LastStagesShare(1, 8, 8).Should().BeApproximately(14336 / total, 1e-12);
        backbone.LastStagesShare(3, 8, 8).Should().BeApproximately(3 * 14336 / total, 1e-12);
        backbone.LastStagesShare(4, 8, 8).Should().BeApproximately((total - 2304) / total, 1e-12);
        backbone.LastStagesShare(0, 8, 8).Should().Be(0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Only_the_last_stages_asked_for_and_the_heads_move(int stages)
    {
        using var neighbors = Data.TrueNeighbors(3);
        using var model = NewModel();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        await new ScanClusteringTrainer(Options(stages), new NoiseAugmentation(0.1), new NoAugmentation(), seed: 2).TrainAsync(model, Data, neighbors);

        var trained = Enumerable.Range(ResNetBackbone.StageCount - stages + 1, stages).Select(s => $"backbone.layer{s}.").ToArray();
        foreach (var (key, value) in model.state_dict())
        {
            bool equal = value.allclose(before[key], rtol: 0, atol: 0);
            if (key.StartsWith("cluster_head.", StringComparison.Ordinal) || (trained.Any(key.StartsWith) && key.EndsWith("weight", StringComparison.Ordinal)))
                equal.Should().BeFalse($"{key} trains");
            else if (!trained.Any(key.StartsWith))
                equal.Should().BeTrue($"{key} is frozen");
        }
        foreach (var t in before.Values)
            t.Dispose();
    }

    [Fact]
    public void The_cache_gives_the_head_inputs_of_the_whole_model_pixel_components_included()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel(pixelComponents: 4);
        model.FitPixelProjection(Data.GetBatch(Enumerable.Range(0, Data.Count).ToArray()));
        model.eval();
        using var source = new BatchSource(Data, CPU);
        using var cache = new FeatureCache(model, source, new NoAugmentation(), passes: 1, seed: 0, lastStages: 1, CancellationToken.None);
        using var noGrad = no_grad();
        var expected = model.HeadInput(Data.GetBatch(Enumerable.Range(0, Data.Count).ToArray()));

        cache.Pass(0).allclose(expected, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        var anchors = tensor(new long[] { 3, 0, 7 });
        var others = tensor(new long[] { 1, 30 });
        var both = cache.TrainedHeadInputs(0, anchors, 5, others);   // pass 5 wraps to pass 0
        both.shape.Should().Equal(5, model.HeadInputDim);
        both.allclose(expected.index_select(0, cat([anchors, others])), rtol: 1e-5, atol: 1e-6).Should().BeTrue();
    }

    [Fact]
    public async Task A_run_resumed_from_its_checkpoint_ends_with_the_uninterrupted_weights()
    {
        using var neighbors = Data.TrueNeighbors(3);
        using var dir = new Scan.Tests.Data.TempFolder();
        var options = Options(stages: 1, epochs: 3);
        ScanClusteringTrainer Trainer() => new(options, new NoiseAugmentation(0.1), new NoAugmentation(), seed: 5);

        using var straight = NewModel();
        await Trainer().TrainAsync(straight, Data, neighbors, dir.File("straight.ckpt"));

        string checkpoint = dir.File("resumed.ckpt");
        using var cts = new CancellationTokenSource();
        var probe = new EpochProbe { OnEpoch = p => { if (p.Epoch == 2) cts.Cancel(); } };
        using (var interrupted = NewModel())
        {
            var act = () => Trainer().TrainAsync(interrupted, Data, neighbors, checkpoint, probe, cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        using var resumed = NewModel();
        var result = await Trainer().TrainAsync(resumed, Data, neighbors, checkpoint);
        result.History.Select(h => h.Epoch).Should().Equal(1, 2, 3);

        var expected = straight.state_dict();
        foreach (var (key, value) in resumed.state_dict())
            value.allclose(expected[key], rtol: 0, atol: 0).Should().BeTrue($"{key} must match the uninterrupted run");
    }

    [Fact]
    public void Fine_tuning_stages_while_the_whole_backbone_trains_is_refused_naming_both_options()
    {
        var act = () => new ScanClusteringTrainer(new ScanClusteringOptions { FineTunedBackboneStages = 1, UpdateBackbone = true },
            new NoAugmentation(), new NoAugmentation());
        act.Should().Throw<ArgumentException>().WithMessage("*FineTunedBackboneStages (1)*UpdateBackbone*");

        var tooMany = () => new ScanClusteringTrainer(new ScanClusteringOptions { FineTunedBackboneStages = 5, UpdateBackbone = false },
            new NoAugmentation(), new NoAugmentation());
        tooMany.Should().Throw<ArgumentException>().WithMessage("*FineTunedBackboneStages*[0, 4]*");
    }

    [Fact]
    public async Task A_backbone_without_known_stages_is_refused_naming_its_type()
    {
        using var neighbors = Data.TrueNeighbors(3);
        using var model = new ClusteringModel(new ConstantBackbone(), 4, 2);
        var act = () => new ScanClusteringTrainer(Options(stages: 1), new NoAugmentation(), new NoAugmentation()).TrainAsync(model, Data, neighbors);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*needs a ResNetBackbone*ConstantBackbone*");
    }
}
