using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Pipeline.Fitting;

namespace Scan.Core.Pipeline;

/// <summary>
/// Ready-made <see cref="ScanOptions"/>: the SCAN authors' settings for CIFAR-10, CIFAR-100-20 and STL-10, and
/// CPU-sized settings for Fashion-MNIST. Each call returns a new object the caller may adjust.
/// </summary>
public static class ScanPresets
{
    /// <summary>CIFAR-10 as in the authors' configs: ResNet-18 (CIFAR stem), SimCLR 500 epochs, K = 20, λ = 5, SCAN 50 epochs, self-labelling 200 epochs.</summary>
    public static ScanOptions Cifar10()
    {
        var o = new ScanOptions();
        o.Backbone = new BackboneOptions { Architecture = BackboneArchitecture.ResNet18, Stem = ResNetStem.Cifar, Width = 64 };
        Normalize(o, NormalizationStats.Cifar10);
        o.Clustering.Clusters = 10;
        return o;
    }

    /// <summary>CIFAR-100 with its 20 superclasses: as CIFAR-10 but 20 clusters, SCAN batch 512 and 100 epochs.</summary>
    public static ScanOptions Cifar20()
    {
        var o = Cifar10();
        Normalize(o, NormalizationStats.Cifar100);
        o.Clustering.Clusters = 20;
        o.Clustering.BatchSize = 512;
        o.Clustering.Epochs = 100;
        return o;
    }

    /// <summary>STL-10 (96x96): ResNet-18 with the ImageNet stem, ImageNet statistics, SCAN and self-labelling 100 epochs, Cutout up to 32.</summary>
    public static ScanOptions Stl10()
    {
        var o = Cifar10();
        o.Backbone.Stem = ResNetStem.ImageNet;
        Normalize(o, NormalizationStats.Stl10);
        o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CutoutSize = 32 };
        o.Clustering.Epochs = 100;
        o.SelfLabeling.Epochs = 100;
        return o;
    }

    /// <summary>
    /// Fashion-MNIST's 10,000-image test split (the bundled data) on a 2-core CPU in minutes: a small ResNet
    /// (width 16), a short SimCLR schedule (precision chosen by measurement, <see cref="Training.TrainingPrecision.Auto"/>),
    /// neighbours by pretext and pixel similarity, SCAN on cached features of the frozen backbone with ten heads at
    /// λ 2, 3 and 5, and up to ten epochs of self-labelling, of which a label-free judge keeps the best (or none). See
    /// BENCHMARKS.md for the measured accuracy and time.
    /// </summary>
    public static ScanOptions FashionMnistQuick()
    {
        var o = new ScanOptions();
        o.Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Stem = ResNetStem.Cifar, Width = 16 };
        Normalize(o, NormalizationStats.FashionMnist);
        // 28x28 grayscale: no padding crop beyond 2 pixels and a Cutout of at most 14 (half the image).
        o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 2, CutoutSize = 14 };
        o.Augmentation.Weak = new Augment.Recipes.WeakViewOptions { CropPadding = 2 };
        // 45 SimCLR epochs (1,755 steps): more than the 9-minute budget the sample fits it to leaves room for on the
        // AVX512 EPYC, which keeps 42-45 of them and drops self-labelling (whose judge never kept an epoch on this
        // preset). Seeds 0-2 with the README's command: ACC 0.736 ± 0.013 against 0.718 ± 0.007 at 35 epochs with 7-9
        // self-labelling epochs, and 0.667 -> 0.722 for 20 -> 35 on seed 0 before (BENCHMARKS.md, issue 19). Slower
        // machines get fewer epochs from the fit.
        o.Pretext.Epochs = 45;
        o.Pretext.BatchSize = 256;
        o.Pretext.WarmupEpochs = 1;
        // Measured at start: bfloat16 cost 5.6 to 7.6 ACC points at equal steps and was 1.0x to 1.55x faster on the
        // 2-core machines measured, so Auto keeps float32 unless this machine runs it at least 2.5x faster.
        o.Pretext.Precision = Training.TrainingPrecision.Auto;
        // Channels-last convolutions were 1.2x faster on the AVX512 EPYC; measured at start too, kept only where faster.
        o.Pretext.Layout = Training.ConvolutionLayout.Auto;
        // Neighbours by pretext plus pixel similarity, as the fitted defaults mine them: on the bundled split, seeds
        // 0-2, neighbour purity 0.70 -> 0.78 and kNN-vote accuracy 0.78 -> 0.85 (BENCHMARKS.md, ablation).
        o.Mining.PixelWeight = 1.0;
        o.Clustering.Clusters = 10;
        o.Clustering.Heads = 10;
        // Heads at λ 2, 3 and 5 rather than all at 2: the label-free choice (lowest loss at λ 2 among non-degenerate
        // heads) then picks from more varied partitions; λ 1 gave degenerate-leaning heads (size entropy 0.6-0.85 ln K).
        o.Clustering.EntropyWeight = 2.0;
        o.Clustering.EntropyWeights = [2.0, 3.0, 5.0];
        o.Clustering.UpdateBackbone = false;
        o.Clustering.FeatureCachePasses = 5;
        o.Clustering.Epochs = 100;
        o.Clustering.BatchSize = 256;
        // Adam at 1e-2 on the cached features: at 1e-3 the heads ended less decided. Same pretext models and neighbours
        // (seeds 0 and 1 of the 2026-12-07 runs): mean accuracy of the 10 heads 0.623 -> 0.664 and 0.587 -> 0.613, the
        // kept head 0.643 -> 0.667 and 0.559 -> 0.633 (BENCHMARKS.md).
        o.Clustering.LearningRate = 1e-2;
        o.SelfLabeling.Epochs = 10;
        o.SelfLabeling.BatchSize = 500;
        return o;
    }

    /// <summary>
    /// All 70,000 Fashion-MNIST images on a CPU: the Quick settings on seven times the images, 60 SimCLR epochs
    /// (16,380 steps) in float32, the Quick preset's SCAN stage (pixel-weighted neighbours, heads at λ 2, 3 and 5,
    /// Adam at 1e-2 for 100 epochs) with the backbone's last stage trained beside the heads
    /// (<see cref="Clustering.ScanClusteringOptions.FineTunedBackboneStages"/>), and 5 self-labelling epochs at batch 1,000. See BENCHMARKS.md for time and accuracy.
    /// </summary>
    public static ScanOptions FashionMnistFull()
    {
        var o = FashionMnistQuick();
        // 60 SimCLR epochs (16,380 steps of 256) in float32: the Full run of BENCHMARKS.md at 20 epochs reached
        // neighbour purity 0.80 and ACC 0.738, and on the bundled 10,000 more steps were the largest single gain
        // (20 -> 33 epochs: +3.4 points). About 70 minutes on the AVX512 EPYC with channels-last convolutions; the
        // sample's 110-minute budget cuts self-labelling, then epochs, on slower machines.
        o.Pretext.Epochs = 60;
        o.Pretext.Precision = Training.TrainingPrecision.Float32;
        // The SCAN stage is the Quick preset's. On the 60-epoch run's pretext model (seed 0), against the λ 2 heads at
        // 1e-3 for 60 epochs on pretext-only neighbours that Full used before: Quick's heads alone 0.742 -> 0.740,
        // with its pixel-weighted neighbours 0.748 (neighbour purity 0.811 -> 0.847); BENCHMARKS.md, 2026-12-07.
        // Unlike Quick, whose 9-minute budget is better spent on SimCLR, the backbone's last stage also trains, on
        // cached maps: on the same pretext model and neighbours (seed 0) ACC 0.748 -> 0.770, NMI 0.679 -> 0.725, for
        // 1,390 s instead of 313 s (BENCHMARKS.md, 2026-12-08; on Quick's models seeds 0-2: +2.1 points).
        o.Clustering.FineTunedBackboneStages = 1;
        o.SelfLabeling.Epochs = 5;
        o.SelfLabeling.BatchSize = 1000;
        return o;
    }

    /// <summary>
    /// Options fitted to <paramref name="dataset"/> and to this machine within a wall-clock <paramref name="budget"/>:
    /// the image count, size and channels set the backbone stem, the batch sizes, K neighbours, the crop and Cutout
    /// sizes and the normalisation; a few SimCLR steps timed here on these images set the precision
    /// (<see cref="Training.TrainingPrecision.Auto"/>'s rule) and the length of each stage, as optimizer steps rather
    /// than a fixed number of epochs. Several heads train with λ 1, 2, 3 and 5, and the label-free head choice picks
    /// one. The probe takes a few seconds, counted in the budget.
    /// </summary>
    /// <param name="dataset">The images to cluster (labels, if any, are not used).</param>
    /// <param name="clusters">K, the number of clusters.</param>
    /// <param name="budget">Wall time for the whole run; null for 2.5 minutes plus 40 ms per image, at most 45 minutes.</param>
    /// <param name="device">"cpu" (default) or "cuda[:N]", where the steps are timed and trained.</param>
    /// <param name="logger">Receives the measurements and one line per decision.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <returns>The options, the measurements, the planned steps per stage and the reasons, one sentence each.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clusters"/> is below 2 or the budget is not positive.</exception>
    /// <exception cref="ArgumentException">The dataset holds fewer than max(8, 2·K) images.</exception>
    /// <example>
    /// <code>
    /// var fitted = await ScanPresets.ForAsync(dataset, clusters: 10, budget: TimeSpan.FromMinutes(5));
    /// foreach (var line in fitted.Decisions) Console.WriteLine(line);
    /// using var result = await ScanPipeline.Create().WithOptions(fitted.Options).Build().RunAsync(dataset);
    /// </code>
    /// </example>
    public static Task<FittedOptions> ForAsync(IImageDataset dataset, int clusters, TimeSpan? budget = null,
        string device = "cpu", ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Task.Run(() => PresetFitter.Fit(dataset, clusters, budget, device, logger, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// <paramref name="preset"/> fitted to this machine within a wall-clock <paramref name="budget"/>: a few of the
    /// preset's own SimCLR steps are timed here on these images (which also settles
    /// <see cref="Training.TrainingPrecision.Auto"/>), the whole run is priced from them, and when it would not fit
    /// the stages are shortened, never lengthened: self-labelling first, then SimCLR. On a machine fast enough for
    /// the preset, the options come back unchanged but for the precision. The probe takes a few seconds, counted in
    /// the budget.
    /// </summary>
    /// <param name="preset">The options to fit, e.g. <see cref="FashionMnistQuick"/>; not modified.</param>
    /// <param name="dataset">The images the run will train on.</param>
    /// <param name="budget">Wall time for the whole run.</param>
    /// <param name="device">"cpu" (default) or "cuda[:N]", where the steps are timed and trained.</param>
    /// <param name="logger">Receives the measurements and one line per decision.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <returns>The fitted copy, the measurements, the planned steps and the reasons, one sentence each.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive.</exception>
    /// <example>
    /// <code>
    /// var fitted = await ScanPresets.FitToBudgetAsync(ScanPresets.FashionMnistQuick(), dataset, TimeSpan.FromMinutes(9));
    /// using var result = await ScanPipeline.Create().WithOptions(fitted.Options).Build().RunAsync(dataset);
    /// </code>
    /// </example>
    public static Task<FittedOptions> FitToBudgetAsync(ScanOptions preset, IImageDataset dataset, TimeSpan budget,
        string device = "cpu", ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(dataset);
        return Task.Run(() => PresetFitter.FitToBudget(preset, dataset, budget, device, logger, cancellationToken), cancellationToken);
    }

    /// <summary>The dataset's statistics from <see cref="NormalizationStats"/>, their one source, as copies the caller may change.</summary>
    private static void Normalize(ScanOptions o, NormalizationStats stats)
    {
        o.Augmentation.Mean = stats.Mean.ToArray();
        o.Augmentation.Std = stats.Std.ToArray();
    }

    /// <summary>A preset by name (case-insensitive): cifar10, cifar20, stl10, fashion-mnist-quick, fashion-mnist-full.</summary>
    /// <exception cref="ArgumentException">The name is not one of those.</exception>
    public static ScanOptions ByName(string name) => name.ToLowerInvariant() switch
    {
        "cifar10" or "cifar-10" => Cifar10(),
        "cifar20" or "cifar-20" or "cifar100-20" => Cifar20(),
        "stl10" or "stl-10" => Stl10(),
        "fashion-mnist-quick" or "quick" => FashionMnistQuick(),
        "fashion-mnist-full" or "full" => FashionMnistFull(),
        _ => throw new ArgumentException(
            $"Unknown preset '{name}'; expected cifar10, cifar20, stl10, fashion-mnist-quick or fashion-mnist-full.", nameof(name)),
    };
}
