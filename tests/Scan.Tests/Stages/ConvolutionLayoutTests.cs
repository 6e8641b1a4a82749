using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

/// <summary>
/// <see cref="ConvolutionLayout"/>: channels-last convolutions compute what contiguous ones compute (features and every
/// gradient), leave parameters and saved weights in the usual order, and <see cref="ConvolutionLayout.Auto"/> reports
/// the layout it measured and trained in.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class ConvolutionLayoutTests
{
    [Theory]
    [InlineData(ResNetStem.Cifar, 1, 28, 16)]
    [InlineData(ResNetStem.Cifar, 3, 32, 8)]
    [InlineData(ResNetStem.ImageNet, 3, 64, 8)]
    public void Channels_last_gives_the_features_and_gradients_of_contiguous(ResNetStem stem, int channels, int side, int width)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        using var contiguous = new ResNetBackbone(stem, channels, width, new[] { 1, 1, 1, 1 });
        using var channelsLast = new ResNetBackbone(stem, channels, width, new[] { 1, 1, 1, 1 });
        channelsLast.load_state_dict(contiguous.state_dict());
        channelsLast.Layout = ConvolutionLayout.ChannelsLast;
        var images = randn(6, channels, side, side);

        var expected = contiguous.call(images);
        var actual = channelsLast.call(images);
        expected.square().sum().backward();
        actual.square().sum().backward();

        // Independent summation orders: agreement to float rounding, far below what training would notice.
        (actual - expected).abs().max().item<float>().Should().BeLessThan(1e-4f * (1 + expected.abs().max().item<float>()));
        var reference = contiguous.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in channelsLast.named_parameters())
        {
            var g = parameter.grad!;
            var r = reference[name].grad!;
            (g - r).abs().max().item<float>().Should().BeLessThan(1e-3f * (1 + r.abs().max().item<float>()), name);
            parameter.is_contiguous().Should().BeTrue($"{name} keeps its usual order for optimisers and saved files");
            g.is_contiguous().Should().BeTrue($"{name}'s gradient reaches the parameter in its usual order");
        }
        // BatchNorm running statistics moved the same way.
        var buffers = contiguous.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in channelsLast.named_buffers())
            (buffer.to(ScalarType.Float64) - buffers[name].to(ScalarType.Float64)).abs().max().item<double>().Should().BeLessThan(1e-4, name);
    }

    [Fact]
    public void A_backbone_refuses_Auto_which_only_a_trainer_can_resolve()
    {
        using var backbone = ResNetBackbone.Small(1);
        var act = () => backbone.Layout = ConvolutionLayout.Auto;
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Contiguous or ChannelsLast*");
        backbone.Layout.Should().Be(ConvolutionLayout.Contiguous, "the default, unchanged by the refused value");
    }

    [Fact]
    public async Task Auto_times_both_layouts_trains_in_the_one_it_reports_and_chooses_the_same_again_in_this_process()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var options = SimClrTrainerTests.Options(1);
        options.Layout = ConvolutionLayout.Auto;
        using var first = SimClrTrainerTests.NewModel(1);
        var result = await new SimClrTrainer(options, new NoiseAugmentation(0.3)).TrainAsync(first, data);

        result.LayoutSecondsPerStep.Should().NotBeNull();
        var (contiguous, channelsLast) = result.LayoutSecondsPerStep!.Value;
        contiguous.Should().BePositive();
        channelsLast.Should().BePositive();
        result.Layout.Should().Be(contiguous / channelsLast >= LayoutChoice.MinimumChannelsLastSpeedup
            ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Contiguous);
        ((ResNetBackbone)first.Backbone).Layout.Should().Be(result.Layout, "later stages run the layout SimCLR chose");

        using var second = SimClrTrainerTests.NewModel(1);
        var again = await new SimClrTrainer(options, new NoiseAugmentation(0.3)).TrainAsync(second, data);
        again.Layout.Should().Be(result.Layout);
        again.LayoutSecondsPerStep.Should().Be(result.LayoutSecondsPerStep, "one measurement per process and model shape");
    }

    [Theory]
    [InlineData(ConvolutionLayout.Contiguous)]
    [InlineData(ConvolutionLayout.ChannelsLast)]
    public async Task A_fixed_layout_is_used_without_timing_and_training_learns_in_it(ConvolutionLayout layout)
    {
        var data = new SyntheticImages(perClass: 32, classes: 4);
        var options = SimClrTrainerTests.Options(4);
        options.Layout = layout;
        using var model = SimClrTrainerTests.NewModel(2);
        var result = await new SimClrTrainer(options, new NoiseAugmentation(0.3), seed: 3).TrainAsync(model, data);

        result.Layout.Should().Be(layout);
        result.LayoutSecondsPerStep.Should().BeNull();
        ((ResNetBackbone)model.Backbone).Layout.Should().Be(layout);
        result.History[^1].Metrics["loss"].Should().BeLessThan(result.History[0].Metrics["loss"]);
    }

    [Fact]
    public async Task Channels_last_with_a_backbone_of_the_callers_own_is_refused_naming_its_type()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var options = SimClrTrainerTests.Options(1);
        options.Layout = ConvolutionLayout.ChannelsLast;
        using var model = new ContrastiveModel(new ConstantBackbone(), projectionDim: 8);
        var act = () => new SimClrTrainer(options, new NoiseAugmentation(0.3)).TrainAsync(model, data);
        (await act.Should().ThrowAsync<NotSupportedException>()).WithMessage("*ResNetBackbone*ConstantBackbone*");

        options.Layout = ConvolutionLayout.Auto;
        var result = await new SimClrTrainer(options, new NoiseAugmentation(0.3)).TrainAsync(model, data);
        result.Layout.Should().Be(ConvolutionLayout.Contiguous, "Auto runs other backbones as they are");
        result.LayoutSecondsPerStep.Should().BeNull();
    }
}
