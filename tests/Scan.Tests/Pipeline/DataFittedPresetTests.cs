using System.ComponentModel.DataAnnotations;
using Scan.Augment.Recipes;
using Scan.Core.Data;
using TorchSharp;
using Scan.Core.Pipeline;
using Scan.Core.Pipeline.Fitting;
using Scan.Core.Pretext;
using Scan.Core.Training;
using Scan.Tests.Stages;

namespace Scan.Tests.Pipeline;

/// <summary>
/// <see cref="ScanPresets.ForAsync"/>: options fitted to the data and to a budget are valid for that data, their
/// stage lengths follow from steps and the budget rather than from a fixed epoch count, and bad requests fail clearly.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class DataFittedPresetTests
{
    private static void ShouldBeValid(ScanOptions options)
    {
        var failures = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true).Should()
            .BeTrue(string.Join("; ", failures.Select(f => f.ErrorMessage)));
    }

    [Fact]
    public async Task Fitted_options_are_valid_for_the_data_and_sized_from_it()
    {
        var data = new SyntheticImages(perClass: 30, classes: 4);   // 120 images
        var fitted = await ScanPresets.ForAsync(data, clusters: 4, budget: TimeSpan.FromSeconds(30));
        var o = fitted.Options;

        ShouldBeValid(o);
        o.Clustering.Clusters.Should().Be(4);
        o.Pretext.BatchSize.Should().BeLessThanOrEqualTo(data.Count / 3, "several steps per epoch even on a small folder");
        o.Clustering.BatchSize.Should().BeLessThanOrEqualTo(data.Count / 3);
        o.SelfLabeling.BatchSize.Should().BeLessThanOrEqualTo(data.Count / 3);
        o.Mining.NumNeighbors.Should().BeInRange(5, 20).And.BeLessThan(data.Count / 4, "fewer neighbours than a cluster holds");
        o.Augmentation.Mean.Should().HaveCount(data.Channels);
        o.Augmentation.Strong.CutoutSize.Should().BeLessThanOrEqualTo(data.Height / 2);
        o.Pretext.Precision.Should().BeOneOf(TrainingPrecision.Float32, TrainingPrecision.BFloat16);
        fitted.Float32SecondsPerStep.Should().BePositive();
        fitted.BFloat16SecondsPerStep.Should().BePositive();
        o.Clustering.EntropyWeights.Should().NotBeNull().And.HaveCountGreaterThan(1, "heads train with several λ");
        fitted.PretextSteps.Should().Be(o.Pretext.Epochs * (data.Count / o.Pretext.BatchSize));
        fitted.Decisions.Should().Contain(d => d.Contains("SimCLR")).And.Contain(d => d.StartsWith("Probe"));
    }

    [Fact]
    public async Task Colour_images_get_SimCLRs_strong_colour_distortion_and_grayscale_images_keep_the_CIFAR_recipe()
    {
        using var colour = new InMemoryImageDataset(torch.rand(96, 3, 16, 16));
        var grey = new SyntheticImages(perClass: 24, classes: 4);

        var onColour = (await ScanPresets.ForAsync(colour, 4, TimeSpan.FromSeconds(30))).Options.Augmentation.SimClrViews;
        var onGrey = (await ScanPresets.ForAsync(grey, 4, TimeSpan.FromSeconds(30))).Options.Augmentation.SimClrViews;

        // Per-image colour would otherwise be the shortcut that tells views of one image apart from the others.
        onColour.Brightness.Should().Be(0.8);
        onColour.Saturation.Should().Be(0.8);
        onColour.Hue.Should().Be(0.2);
        onColour.GrayscaleProbability.Should().Be(0.5);
        onGrey.Brightness.Should().Be(new SimClrViewOptions().Brightness, "one channel has no colour to learn");
        onGrey.GrayscaleProbability.Should().Be(new SimClrViewOptions().GrayscaleProbability);
    }

    [Fact]
    public async Task Stage_lengths_follow_the_budget_and_the_image_count_not_a_fixed_epoch_count()
    {
        var small = new SyntheticImages(perClass: 30, classes: 4);    // 120 images
        var large = new SyntheticImages(perClass: 120, classes: 4);   // 480 images
        var shortRun = await ScanPresets.ForAsync(small, 4, TimeSpan.FromSeconds(30));
        var longRun = await ScanPresets.ForAsync(small, 4, TimeSpan.FromSeconds(240));
        var moreImages = await ScanPresets.ForAsync(large, 4, TimeSpan.FromSeconds(240));

        // Eight times the budget: several times the steps (timing noise of the probe is well below 2x).
        longRun.PretextSteps.Should().BeGreaterThan(2 * shortRun.PretextSteps);
        // Four times the images in the same budget: fewer epochs, since each epoch holds more steps.
        moreImages.Options.Pretext.Epochs.Should().BeLessThan(longRun.Options.Pretext.Epochs);
        longRun.EstimatedSeconds.Should().BeLessThanOrEqualTo(240 * 1.05);
    }

    [Fact]
    public async Task A_tiny_budget_turns_self_labelling_off_and_says_so()
    {
        // Enough images for self-labelling to be planned at all; the budget alone leaves it no time.
        var data = new SyntheticImages(perClass: PresetFitter.SelfLabelingMinImages / 4, classes: 4);
        var fitted = await ScanPresets.ForAsync(data, 4, TimeSpan.FromSeconds(0.5));
        fitted.Options.SelfLabelingEnabled.Should().BeFalse();
        fitted.SelfLabelingSteps.Should().Be(0);
        fitted.Decisions.Should().Contain(d => d.StartsWith("Self-labelling off: the budget leaves")).And.Contain(d => d.StartsWith("Warning"));
        ShouldBeValid(fitted.Options);
    }

    [Fact]
    public async Task Small_data_mines_with_pixels_trains_heads_on_clean_features_and_skips_self_labelling()
    {
        var data = new SyntheticImages(perClass: 30, classes: 4);
        var fitted = await ScanPresets.ForAsync(data, 4, TimeSpan.FromSeconds(240));
        var o = fitted.Options;

        o.Mining.PixelWeight.Should().BePositive("a short SimCLR run on few images finds less pure neighbours than the pixels");
        o.Clustering.FeatureCacheViews.Should().Be(Scan.Core.Clustering.CachedViews.Unaugmented);
        o.Clustering.FeatureCachePasses.Should().Be(1, "every pass of an un-augmented cache is the same");
        o.SelfLabelingEnabled.Should().BeFalse("the budget is ample, but 120 images are too few for self-labelling");
        fitted.SelfLabelingSteps.Should().Be(0);
        fitted.Decisions.Should().Contain(d => d.StartsWith("Self-labelling off: 120 images are fewer than"));
    }

    [Fact]
    public async Task Heads_overcluster_when_every_overcluster_can_hold_enough_images_and_say_so()
    {
        // 160 images, 4 clusters: 8 overclusters of 20 images each, the fewest allowed.
        var enough = await ScanPresets.ForAsync(new SyntheticImages(perClass: 40, classes: 4), 4, TimeSpan.FromSeconds(60));
        enough.Options.Clustering.Overclustering.Should().Be(PresetFitter.Overclustering);
        enough.Options.Clustering.UpdateBackbone.Should().BeFalse("overclustering trains heads on cached features");
        ShouldBeValid(enough.Options);
        enough.Decisions.Should().Contain(d => d.Contains("8 clusters, merged into 4"));

        // 120 images: 15 per overcluster, too few.
        var few = await ScanPresets.ForAsync(new SyntheticImages(perClass: 30, classes: 4), 4, TimeSpan.FromSeconds(60));
        few.Options.Clustering.Overclustering.Should().Be(1);
        few.Decisions.Should().NotContain(d => d.Contains("merged into"));
    }

    [Fact]
    public async Task Too_few_images_or_clusters_or_no_budget_are_refused_with_the_numbers()
    {
        var data = new SyntheticImages(perClass: 3, classes: 4);   // 12 images
        var act = () => ScanPresets.ForAsync(data, clusters: 10);
        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*12 images*10 clusters need at least 20*");
        await FluentActions.Awaiting(() => ScanPresets.ForAsync(data, clusters: 1)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => ScanPresets.ForAsync(data, 2, TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Auto_precision_measures_both_formats_and_trains_in_the_one_it_reports()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var trainer = new SimClrTrainer(new SimClrOptions { Epochs = 1, BatchSize = 32, ProjectionDim = 16, Precision = TrainingPrecision.Auto },
            Augment.Recipes.AugmentationRecipes.SimClr(new Augment.NormalizationStats([0.5f], [0.25f])));
        using var model = new Scan.Core.Models.ContrastiveModel(Scan.Core.Models.ResNetBackbone.Small(inputChannels: data.Channels), 16);
        var result = await trainer.TrainAsync(model, data);

        result.Float32SecondsPerStep.Should().BePositive();
        result.BFloat16SecondsPerStep.Should().BePositive();
        double speedup = result.Float32SecondsPerStep!.Value / result.BFloat16SecondsPerStep!.Value;
        result.Precision.Should().Be(speedup >= PrecisionChoice.MinimumBFloat16Speedup
            ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32);
    }
    /// <summary>A small preset for <see cref="ScanPresets.FitToBudgetAsync"/> on <see cref="SyntheticImages"/>.</summary>
    private static ScanOptions SmallPreset()
    {
        var o = new ScanOptions();
        o.Backbone = new Scan.Core.Models.BackboneOptions { Architecture = Scan.Core.Models.BackboneArchitecture.SmallResNet, Width = 16 };
        o.Pretext.BatchSize = 32;
        o.Pretext.ProjectionDim = 16;
        o.Pretext.Epochs = 40;
        o.Pretext.WarmupEpochs = 4;
        o.Pretext.Precision = TrainingPrecision.Auto;
        o.Clustering.Clusters = 4;
        o.Clustering.Epochs = 5;
        o.Clustering.BatchSize = 32;
        o.SelfLabeling.Epochs = 10;
        o.SelfLabeling.BatchSize = 32;
        return o;
    }

    [Fact]
    public async Task A_preset_that_fits_its_budget_keeps_its_schedule_and_the_callers_options_are_untouched()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);   // 64 images: 2 SimCLR steps an epoch
        var preset = SmallPreset();
        var fitted = await ScanPresets.FitToBudgetAsync(preset, data, TimeSpan.FromHours(10));

        fitted.Options.Should().NotBeSameAs(preset);
        fitted.Options.Pretext.Epochs.Should().Be(40);
        fitted.Options.SelfLabeling.Epochs.Should().Be(10);
        fitted.Options.SelfLabelingEnabled.Should().BeTrue();
        fitted.Options.Pretext.Precision.Should().Be(fitted.Precision, "Auto is settled by the probe");
        preset.Pretext.Precision.Should().Be(TrainingPrecision.Auto, "the preset passed in is not modified");
        fitted.PretextSteps.Should().Be(40 * 2);
        fitted.EstimatedSeconds.Should().BePositive();
        ShouldBeValid(fitted.Options);
    }

    [Fact]
    public async Task A_preset_too_long_for_its_budget_loses_self_labelling_first_then_simclr_epochs_and_says_so()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var preset = SmallPreset();
        var a = await ScanPresets.FitToBudgetAsync(preset, data, TimeSpan.FromSeconds(0.1));
        a.Options.Pretext.Epochs.Should().BeLessThan(40, "0.1 s cannot hold 80 SimCLR steps");
        a.Options.Pretext.Epochs.Should().BeGreaterThanOrEqualTo(1);
        a.Options.SelfLabelingEnabled.Should().BeFalse("self-labelling is cut before any SimCLR epoch");
        a.SelfLabelingSteps.Should().Be(0);
        a.Decisions.Should().Contain(d => d.StartsWith("Self-labelling off")).And.Contain(d => d.StartsWith("SimCLR shortened from 40"))
            .And.Contain(d => d.StartsWith("Warning"));
        a.Options.Pretext.WarmupEpochs.Should().BeLessThanOrEqualTo(a.Options.Pretext.Epochs);
        ShouldBeValid(a.Options);
        await FluentActions.Awaiting(() => ScanPresets.FitToBudgetAsync(preset, data, TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
    [Fact]
    public void The_step_probe_stops_after_one_step_slower_than_its_limit_and_still_honours_the_callers_cancellation()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        var views = Augment.Recipes.AugmentationRecipes.SimClr(new Augment.NormalizationStats([0.5f], [0.25f]));
        var pretext = new SimClrOptions { BatchSize = 32, ProjectionDim = 16 };
        Scan.Core.Models.ResNetBackbone Backbone() => Scan.Core.Models.ResNetBackbone.Small(inputChannels: 1);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        double full = SimClrStepProbe.SecondsPerStep(Backbone, data, views, pretext, TrainingPrecision.Float32, ConvolutionLayout.Contiguous, TorchSharp.torch.CPU, CancellationToken.None);
        double fullSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        // Any first step is slower than 0 s: the probe ends after it, 1 step instead of 2 + 6.
        double first = SimClrStepProbe.SecondsPerStep(Backbone, data, views, pretext, TrainingPrecision.Float32, ConvolutionLayout.Contiguous, TorchSharp.torch.CPU,
            CancellationToken.None, abandonAbove: 0);
        double abandonedSeconds = clock.Elapsed.TotalSeconds;

        full.Should().BePositive();
        first.Should().BePositive().And.BeLessThan(abandonedSeconds + 1e-9, "it is the first step's duration");
        abandonedSeconds.Should().BeLessThan(0.8 * fullSeconds, "one step instead of eight");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var act = () => SimClrStepProbe.SecondsPerStep(Backbone, data, views, pretext, TrainingPrecision.Float32, ConvolutionLayout.Contiguous, TorchSharp.torch.CPU,
            cancelled.Token, abandonAbove: 0);
        act.Should().Throw<OperationCanceledException>("the caller's cancellation is not a probe result");
    }
}
