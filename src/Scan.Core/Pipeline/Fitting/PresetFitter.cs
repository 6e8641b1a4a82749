using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Runtime;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline.Fitting;

/// <summary>
/// The rules behind <see cref="ScanPresets.ForAsync"/>: every size from the dataset, every stage length from a
/// budget and a SimCLR step timed on this machine. The constants are the CPU calibration of SCAN-FACTS.md and
/// BENCHMARKS.md (a width-16 small ResNet beat width 32 at short schedules; heads on cached features beat fine-tuning
/// the whole network at 10 epochs), not a fit to one dataset.
/// </summary>
internal static class PresetFitter
{
    /// <summary>Share of the training time (after the fixed passes) given to SimCLR when self-labelling runs; the rest
    /// goes to self-labelling.</summary>
    private const double PretextShare = 0.9;

    /// <summary>Below this many images self-labelling is off and SimCLR gets its time. On the robustness bench's small
    /// rows it either found too few confident images to run or lowered the SCAN stage's accuracy (digits folder:
    /// 0.929 to 0.885; Fashion-MNIST 2,000: 0.559 to 0.551), as a few hundred pseudo-labels per cluster overfit; in
    /// budgeted runs of 5,000 and 10,000 images it still lowered it (0.668 to 0.641, 0.615 to 0.592, 2026-12-03 #3)
    /// while taking a tenth of the training time from SimCLR. On all 70,000 images it added half a point.</summary>
    internal const int SelfLabelingMinImages = 30_000;

    /// <summary>Weight of pixel similarity in the mined neighbourhoods (<see cref="MiningOptions.PixelWeight"/>). On
    /// the robustness bench's 2,000-image rows the pretext features alone found neighbours of purity 0.52 (Fashion-MNIST)
    /// and 0.83 (digits); adding the pixels made them 0.68 and 0.95.</summary>
    private const double PixelWeight = 1.0;

    /// <summary>SimCLR's colour jitter on colour images (brightness, contrast, saturation; hue in turns) and the
    /// chance of a grey view: see <c>UseStrongColorViews</c>.</summary>
    private const double StrongColorJitter = 0.8, StrongHueJitter = 0.2, ColorGrayscaleProbability = 0.5;

    /// <summary>Principal components of the standardised pixels the heads read beside the pretext features
    /// (<see cref="Clustering.ScanClusteringOptions.PixelComponents"/>), below <see cref="PixelComponentsMaxImages"/>.</summary>
    internal const int PixelComponents = 32;

    /// <summary>From this many images on the heads read the pretext features alone. Heads on the same features and
    /// neighbours, 2026-12-07 (BENCHMARKS.md): on Fashion-MNIST 2,000 (1,200 SimCLR steps) the pixels raised the mean
    /// accuracy of the 8 heads from 0.574 to 0.614; on the bundled 10,000 with the Quick preset's features they lowered
    /// it from 0.626 to 0.597. With more images SimCLR has learnt what the pixels add.</summary>
    internal const int PixelComponentsMaxImages = 5000;

    /// <summary>Adam learning rate of the heads on cached features. 1e-3 left the heads short of a decided partition
    /// in 1,400 to 4,000 steps: 1e-2 raised the mean accuracy of the 8 heads from 0.531 to 0.574 (Fashion-MNIST 2,000)
    /// and from 0.597 to 0.626 (bundled 10,000, Quick features), same features and neighbours; 3e-2 was no better.</summary>
    private const double HeadLearningRate = 1e-2;

    /// <summary>Heads train with this many times K clusters, merged back into K by their neighbour links
    /// (<see cref="Clustering.ScanClusteringOptions.Overclustering"/>), when every overcluster can hold
    /// <see cref="OverclusteringMinImagesPerCluster"/> images and there are fewer than
    /// <see cref="OverclusteringMaxImages"/>. Robustness rows, 2026-12-07 (BENCHMARKS.md): the 8 heads' mean accuracy
    /// rose on Fashion-MNIST's 10:1 imbalanced subset (0.471 → 0.548: merged clusters may differ in size) and on the
    /// digits folder (0.872 → 0.916), within ±1.2 points on the balanced rows below 5,000 images.</summary>
    internal const int Overclustering = 2;

    /// <summary>Fewest images per overcluster (<see cref="Overclustering"/>·K clusters) for overclustering to be used.</summary>
    internal const int OverclusteringMinImagesPerCluster = 20;

    /// <summary>From this many images on the heads train K clusters directly: on the same pretext features of the
    /// bundled 10,000 (Quick, seeds 0–2) overclustering lowered the heads' mean accuracy from 0.692 to 0.639, and on
    /// Fashion-MNIST 5,000 it was 0.602 against 0.639 the run before. The bound is where the heads stop reading the
    /// pixels (<see cref="PixelComponentsMaxImages"/>): with more images SimCLR's features carry the partition.</summary>
    internal const int OverclusteringMaxImages = PixelComponentsMaxImages;

    /// <summary>Of the 8 heads, how many start from k-means on the cached features (<see cref="Clustering.ScanClusteringOptions.KMeansInitializedHeads"/>).</summary>
    internal const int KMeansInitializedHeads = 4;

    /// <summary>SCAN optimizer steps: heads on cached features cost milliseconds a step, so this is not budgeted.</summary>
    private const int ClusteringSteps = 4000;

    /// <summary>Forward-only cost of one image relative to one SimCLR image (two views, forward and backward). The
    /// Quick preset on an AVX2 EPYC spent 91 s outside SimCLR and self-labelling (mining, 5 cached passes, 3,900 head
    /// steps, evaluations) where 0.25 priced 199 s; 0.15 prices it 122 s, still on the safe side.</summary>
    private const double ForwardShare = 0.15;

    /// <summary>Self-labelling cost of one image relative to one SimCLR image: one strong view forward and backward
    /// and one weak view forward, plus batch-level overhead (robustness bench, EPYC: 44 steps of 500 in 26 s).</summary>
    private const double SelfLabelShare = 1.0;

    /// <summary>Seconds per heads-only SCAN step (8 heads, their losses and Adam on cached features), measured on the
    /// 2-core EPYC: 1,400 steps in about 20 s. Small next to SimCLR, but not nothing on small data.</summary>
    private const double ClusteringStepSeconds = 0.012;

    /// <summary>Measured over computed cost of fine-tuning backbone stages in the SCAN stage. The Quick preset's last
    /// stage (28 % of the multiply-adds) on the AVX512 EPYC: 3,900 steps of 256 anchors and neighbours took 145 s more
    /// than the heads alone, where the share of a 0.205 s SimCLR step prices 225 s (the trained stages pass no
    /// gradient back to their input maps); 0.7 stays on the safe side.</summary>
    private const double FineTuningOverhead = 0.7;

    /// <summary>Share of the budget the plan fills. Over 11 robustness rows on the 2-core EPYC the pretext stage took
    /// 0.64x to 1.27x the time the probe predicted (sustained training ran slower than the probe's short burst on the
    /// larger sets), and the 10-minute and 60-minute limits must hold on the slow side.</summary>
    private const double PlannedShare = 0.8;

    /// <summary>Full passes over the data besides training (listed where <c>ScanPipeline</c> composes the stages):
    /// statistics, embedding for mining, and the heads' evaluation (whose selected head's predictions are the
    /// clustering model's, the ones self-labelling starts from); one more keeps the price on the safe side.
    /// Self-labelling's judge adds one pass per epoch, priced with the epoch.</summary>
    private const int FixedPasses = 4;

    /// <summary>
    /// 2.5 minutes plus 40 ms per image (2,000 images: under 4 minutes; 10,000: 9.2 minutes; 60,000: 42.5 minutes),
    /// at most 45 minutes. On the 2-core machines measured that is 500 to 1,000 SimCLR steps for up to 10,000 images,
    /// where the pretext features reach most of what 20 epochs give (SCAN-FACTS.md's calibration runs).
    /// </summary>
    public static TimeSpan DefaultBudget(int images) =>
        TimeSpan.FromSeconds(Math.Min(150 + 0.04 * images, 45 * 60));

    public static FittedOptions Fit(IImageDataset dataset, int clusters, TimeSpan? budget, string device,
        ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int n = dataset.Count;
        int minimum = Math.Max(8, 2 * clusters);
        if (clusters < 2)
            throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "At least 2 clusters are needed.");
        if (n < minimum)
            throw new ArgumentException(
                $"The dataset holds {n} images; {clusters} clusters need at least {minimum} (two per cluster, and at least 8 for SimCLR's negatives).",
                nameof(dataset));
        var total = budget ?? DefaultBudget(n);
        if (total <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The budget must be positive.");

        var clock = Stopwatch.StartNew();
        var fit = new Fitting(new ScanOptions { Device = device });
        fit.Decisions.Add(string.Create(CultureInfo.InvariantCulture,
            $"Data: {n} images of {dataset.Height}x{dataset.Width}, {dataset.Channels} channel(s), {clusters} clusters; budget {total.TotalMinutes:F1} min{(budget is null ? " (default: 2.5 min + 40 ms per image)" : "")}."));
        SizeToData(fit, dataset, clusters);
        fit.Options.Pretext.Layout = ConvolutionLayout.Auto;   // settled by the probe, on this machine
        var measurement = Probe(fit, dataset, device, logger, cancellationToken);
        return fit.Finish(total, measurement, PlanStages(fit, dataset, measurement, total, clock), logger);
    }

    /// <summary>
    /// A preset's schedule fitted to this machine: the preset's SimCLR step is timed here (resolving
    /// <see cref="TrainingPrecision.Auto"/>), the whole run is priced, and when it does not fit the planned part of the
    /// budget the stages are shortened, never lengthened: self-labelling first (the stage whose gain is least sure:
    /// +2.3 to −4.8 ACC points on the Quick preset over the seeds and machines in BENCHMARKS.md), then SimCLR.
    /// </summary>
    public static FittedOptions FitToBudget(ScanOptions preset, IImageDataset dataset, TimeSpan budget, string device,
        ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(dataset);
        if (budget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The budget must be positive.");
        var clock = Stopwatch.StartNew();
        var options = preset.Clone();
        options.Device = device;
        var fit = new Fitting(options);
        int n = dataset.Count;
        fit.Decide($"Data: {n} images of {dataset.Height}x{dataset.Width}, {dataset.Channels} channel(s); budget {budget.TotalMinutes:F1} min for the preset's schedule.");
        if (options.Augmentation.Mean is null || options.Augmentation.Std is null)
        {
            var (mean, std) = DatasetStatistics.MeanStd(dataset);
            options.Augmentation.Mean ??= mean;
            options.Augmentation.Std ??= std;
        }
        var measurement = Probe(fit, dataset, device, logger, cancellationToken);
        var cost = new RunCost(options, dataset, measurement);
        double planned = PlannedShare * budget.TotalSeconds - clock.Elapsed.TotalSeconds;
        int pretextEpochs = options.Pretext.Epochs, selfEpochs = options.SelfLabelingEnabled ? options.SelfLabeling.Epochs : 0;
        double Total(int pretext, int self) => cost.FixedSeconds + pretext * cost.PretextEpochSeconds + self * cost.SelfLabelingEpochSeconds;
        fit.Decide($"The preset as given: {pretextEpochs} SimCLR epochs ({cost.PretextEpochSeconds:F0} s each), {selfEpochs} self-labelling epochs ({cost.SelfLabelingEpochSeconds:F0} s each), {cost.FixedSeconds:F0} s for the rest: {Total(pretextEpochs, selfEpochs):F0} s against {planned:F0} s planned ({PlannedShare:P0} of the budget).");
        if (Total(pretextEpochs, selfEpochs) > planned && selfEpochs > 0)
        {
            int keep = Math.Max(0, (int)((planned - Total(pretextEpochs, 0)) / cost.SelfLabelingEpochSeconds));
            if (keep < selfEpochs)
            {
                selfEpochs = keep;
                fit.Decide(keep > 0
                    ? (FormattableString)$"Self-labelling shortened to {keep} epochs to fit the budget."
                    : $"Self-labelling off: with {pretextEpochs} SimCLR epochs the budget leaves no room for it.");
            }
        }
        if (Total(pretextEpochs, selfEpochs) > planned)
        {
            int keep = Math.Max(1, (int)((planned - Total(0, selfEpochs)) / cost.PretextEpochSeconds));
            fit.Decide($"SimCLR shortened from {pretextEpochs} to {keep} epochs to fit the budget.");
            if (keep < 0.6 * pretextEpochs)
                fit.Decide($"Warning: {keep} of the preset's {pretextEpochs} SimCLR epochs fit in the budget on this machine; expect lower accuracy than BENCHMARKS.md reports, or give a larger budget.");
            pretextEpochs = keep;
        }
        options.Pretext.Epochs = pretextEpochs;
        options.Pretext.WarmupEpochs = Math.Min(options.Pretext.WarmupEpochs, Math.Max(0, pretextEpochs / 10));
        if (selfEpochs == 0)
            options.SelfLabelingEnabled = false;
        else
            options.SelfLabeling.Epochs = selfEpochs;
        double estimate = clock.Elapsed.TotalSeconds + Total(pretextEpochs, selfEpochs);
        fit.Decide($"Estimated wall time {estimate:F0} s of the {budget.TotalSeconds:F0} s budget.");
        var plan = new StagePlan(pretextEpochs * cost.PretextStepsPerEpoch, cost.ClusteringSteps, selfEpochs * cost.SelfLabelingStepsPerEpoch, estimate);
        return fit.Finish(budget, measurement, plan, logger);
    }

    /// <summary>
    /// What a run of the options on n images costs on this machine, from one timed
    /// SimCLR step: everything is priced per SimCLR image (a source image's two views, forward and backward).
    /// </summary>
    private sealed class RunCost
    {
        public RunCost(ScanOptions options, IImageDataset dataset, PrecisionMeasurement measurement)
        {
            int n = dataset.Count;
            double stepSeconds = measurement.Chosen == TrainingPrecision.BFloat16
                ? measurement.BFloat16SecondsPerStep!.Value
                : measurement.Float32SecondsPerStep;
            double perImage = stepSeconds / options.Pretext.BatchSize;
            PretextStepSeconds = stepSeconds;
            PretextStepsPerEpoch = Math.Max(1, n / options.Pretext.BatchSize);
            PretextEpochSeconds = PretextStepsPerEpoch * stepSeconds;
            ClusteringSteps = options.Clustering.Epochs * Math.Max(1, n / options.Clustering.BatchSize);
            double clustering = options.Clustering.UpdateBackbone
                ? ClusteringSteps * options.Clustering.BatchSize * perImage
                : ClusteringSteps * ClusteringStepSeconds * options.Clustering.Heads / 8.0 +
                  n * perImage * ForwardShare * options.Clustering.FeatureCachePasses +
                  FineTuningSeconds(options, dataset, perImage);
            FixedSeconds = 10 + n * perImage * ForwardShare * FixedPasses + clustering;
            int selfBatch = options.SelfLabeling.BatchSize;
            SelfLabelingStepsPerEpoch = Math.Max(1, n / selfBatch);
            SelfLabelingEpochSeconds = SelfLabelingStepsPerEpoch * selfBatch * perImage * SelfLabelShare + n * perImage * ForwardShare;
        }

        /// <summary>The last backbone stages trained beside the heads: each step sends its anchors and neighbours
        /// forward and backward through them, priced as that share of the backbone's multiply-adds of a SimCLR view
        /// (half a SimCLR image), times <see cref="FineTuningOverhead"/>.</summary>
        private double FineTuningSeconds(ScanOptions options, IImageDataset dataset, double perImage)
        {
            int stages = options.Clustering.FineTunedBackboneStages;
            if (stages == 0 || options.Backbone is null)
                return 0;
            using var backbone = options.Backbone.Build(dataset.Channels, dataset.Height, dataset.Width);
            double share = backbone.LastStagesShare(stages, dataset.Height, dataset.Width);
            return ClusteringSteps * 2.0 * options.Clustering.BatchSize * perImage * 0.5 * share * FineTuningOverhead;
        }

        public double PretextStepSeconds { get; }
        public int PretextStepsPerEpoch { get; }
        public double PretextEpochSeconds { get; }
        public int ClusteringSteps { get; }
        public double FixedSeconds { get; }
        public int SelfLabelingStepsPerEpoch { get; }
        public double SelfLabelingEpochSeconds { get; }
    }

    /// <summary>How the fitted run spends its budget: optimizer steps per stage and the estimated wall time.</summary>
    private sealed record StagePlan(int PretextSteps, int ClusteringSteps, int SelfLabelingSteps, double EstimatedSeconds);

    /// <summary>The options being fitted and the sentence behind each choice, in the order made.</summary>
    private sealed class Fitting(ScanOptions options)
    {
        public ScanOptions Options { get; } = options;

        public List<string> Decisions { get; } = new();

        public void Decide(FormattableString sentence) => Decisions.Add(sentence.ToString(CultureInfo.InvariantCulture));

        /// <summary>Logs every decision, in order, and hands back the result.</summary>
        public FittedOptions Finish(TimeSpan budget, PrecisionMeasurement measurement, StagePlan plan, ILogger? logger)
        {
            foreach (var line in Decisions)
                logger?.LogInformation("Fit: {Decision}", line);
            return new FittedOptions(Options, budget, measurement, plan.PretextSteps, plan.ClusteringSteps,
                plan.SelfLabelingSteps, plan.EstimatedSeconds, Decisions.AsReadOnly());
        }
    }

    /// <summary>Every size that follows from the images alone: backbone, normalisation, crops, batches, K, heads.</summary>
    private static void SizeToData(Fitting fit, IImageDataset dataset, int clusters)
    {
        var o = fit.Options;
        int n = dataset.Count;
        int side = Math.Min(dataset.Height, dataset.Width);
        // Backbone: the calibration's small ResNet at width 16; the ImageNet stem (stride 4) only for large inputs.
        var stem = side <= 64 ? ResNetStem.Cifar : ResNetStem.ImageNet;
        o.Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Stem = stem, Width = 16 };
        fit.Decide($"Backbone: small ResNet, width 16, {stem} stem ({side} px side).");

        var (mean, std) = DatasetStatistics.MeanStd(dataset);
        o.Augmentation.Mean = mean;
        o.Augmentation.Std = std;
        fit.Decide($"Normalisation from the data: mean {string.Join("/", mean.Select(m => m.ToString("F3", CultureInfo.InvariantCulture)))}, std {string.Join("/", std.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}.");

        // Crops and Cutout scale with the image: the authors' CIFAR recipe (32 px) pads 4 and cuts up to 16, STL-10 (96 px)
        // cuts up to 32; the Fashion-MNIST calibration (28 px) padded 2 and cut up to 14.
        int padding = Math.Max(2, (int)Math.Round(side / 14.0));
        int cutout = Math.Max(1, side / 2);
        o.Augmentation.Strong = new StrongViewOptions { CropPadding = padding, CutoutSize = cutout };
        o.Augmentation.Weak = new WeakViewOptions { CropPadding = padding };
        fit.Decide($"Augmentation: crop padding {padding} px, Cutout up to {cutout} px.");
        if (dataset.Channels == 3)
            UseStrongColorViews(fit);

        // Batches: 256 as the calibration from 5,000 images on; below, smaller batches buy more optimizer steps in
        // the same time (a step costs about its batch), which a short schedule on few images needs more than negatives.
        int pretextBatch = Math.Min(PowerOfTwoAtMost(Math.Max(16, n / 3)), n >= 5000 ? 256 : n >= 1000 ? 128 : 64);
        o.Pretext.BatchSize = pretextBatch;
        o.Pretext.LearningRate = 0.4 * Math.Sqrt(pretextBatch / 256.0);
        fit.Decide($"SimCLR batch {pretextBatch}, learning rate {o.Pretext.LearningRate:F2} (0.4 at 256, square-root scaled).");

        // Neighbours: a tenth of the images a cluster would hold if balanced, between 5 and the authors' 20.
        int perCluster = n / clusters;
        int neighbors = Math.Min(Math.Clamp(perCluster / 10, 5, Mining.NeighborMinerOptions.DefaultNumNeighbors), n - 1);
        o.Mining.NumNeighbors = neighbors;
        o.Mining.PixelWeight = PixelWeight;
        fit.Decide($"K neighbours {neighbors}: about {perCluster} images per cluster if balanced; ranked by pretext plus pixel similarity (weight {PixelWeight:F1}).");

        SizeClustering(fit, n, clusters, dataset.Channels * dataset.Height * dataset.Width);
    }

    /// <summary>The SCAN stage: heads, their λ and start, and a schedule in steps.</summary>
    private static void SizeClustering(Fitting fit, int n, int clusters, int pixelsPerImage)
    {
        var o = fit.Options;
        o.Clustering.Clusters = clusters;
        o.Clustering.Heads = 8;
        // λ differs between datasets (authors' issues on K and imbalance): heads train with 1, 2, 3 and 5, and the
        // label-free head choice (degenerate partitions out, then lowest loss at λ = 2) picks among them.
        o.Clustering.EntropyWeights = [1.0, 2.0, 3.0, 5.0];
        o.Clustering.EntropyWeight = 2.0;
        o.Clustering.UpdateBackbone = false;
        // Heads train on the un-augmented features: with strong views in the cache an anchor and its neighbour are two
        // noisy points, and the head fits the noise (digits folder 0.72 against 0.93, Fashion-MNIST 2,000 0.52 against
        // 0.56). Every pass of an un-augmented cache is the same, so one is embedded.
        o.Clustering.FeatureCacheViews = Clustering.CachedViews.Unaugmented;
        o.Clustering.FeatureCachePasses = 1;
        // The neighbours are ranked by features and pixels; on few images, heads that read only the features cannot
        // follow the pixel half, so they read both, at equal weight.
        // A projection of n images has at most n - 1 directions with variance in it.
        o.Clustering.PixelComponents = n < PixelComponentsMaxImages ? Math.Min(PixelComponents, Math.Min(n - 1, pixelsPerImage)) : 0;
        // Half the heads start from k-means on those features (one per λ), half at random: on small data, where SCAN
        // from random heads ended below k-means on its own features, the k-means start keeps what k-means found.
        o.Clustering.KMeansInitializedHeads = KMeansInitializedHeads;
        o.Clustering.Overclustering = n >= OverclusteringMinImagesPerCluster * Overclustering * clusters && n < OverclusteringMaxImages
            ? Overclustering : 1;
        o.Clustering.LearningRate = HeadLearningRate;
        int clusteringBatch = PowerOfTwoAtMost(Math.Clamp(n / 3, 16, 256));
        o.Clustering.BatchSize = clusteringBatch;
        o.Clustering.Epochs = Math.Clamp(CeilDiv(ClusteringSteps, n / clusteringBatch), 20, 200);
        string pixels = o.Clustering.PixelComponents > 0 ? $" and {o.Clustering.PixelComponents} principal components of the pixels" : "";
        string over = o.Clustering.Overclustering > 1
            ? $"; each trains {o.Clustering.Overclustering * clusters} clusters, merged into {clusters} by their neighbour links, and the merged heads are compared by neighbour consistency"
            : "";
        fit.Decide($"SCAN: 8 heads on cached un-augmented features{pixels} (λ 1, 2, 3, 5; {KMeansInitializedHeads} start from k-means), Adam lr {HeadLearningRate:G2}, batch {clusteringBatch}, {o.Clustering.Epochs} epochs{over}.");
    }

    /// <summary>
    /// Colour is the easiest way for SimCLR to tell two views of one image from the other images' when colour varies
    /// from image to image (a tint, a background), and then the features learn colour, not shape: the SimCLR paper's
    /// colour distortion strength 1 (jitter 0.8/0.8/0.8/0.2) instead of CIFAR's 0.5, and grey views half the time.
    /// Fashion-MNIST 2,000 with a random tint per image: k-means on the pretext features 0.428 → 0.554, neighbour
    /// purity 0.656 → 0.704, SCAN 0.475 → 0.493 (BENCHMARKS.md, 2026-12-03 session 3).
    /// </summary>
    private static void UseStrongColorViews(Fitting fit)
    {
        fit.Options.Augmentation.SimClrViews = new SimClrViewOptions
        {
            Brightness = StrongColorJitter, Contrast = StrongColorJitter, Saturation = StrongColorJitter,
            Hue = StrongHueJitter, GrayscaleProbability = ColorGrayscaleProbability,
        };
        fit.Decide($"SimCLR colour views: jitter {StrongColorJitter}/{StrongColorJitter}/{StrongColorJitter}/{StrongHueJitter}, grey {ColorGrayscaleProbability:P0} of the time (colour images).");
    }

    /// <summary>The probe: real SimCLR steps on these images, in both precisions; the faster one, if clearly so, is kept.</summary>
    private static PrecisionMeasurement Probe(Fitting fit, IImageDataset dataset, string device, ILogger? logger,
        CancellationToken cancellationToken)
    {
        var o = fit.Options;
        var views = AugmentationRecipes.SimClr(new NormalizationStats(o.Augmentation.Mean!, o.Augmentation.Std!), o.Augmentation.SimClrViews);
        Func<ResNetBackbone> backbone = () => o.Backbone.Build(dataset.Channels, dataset.Height, dataset.Width);
        double? float32 = null;
        if (o.Pretext.Layout == ConvolutionLayout.Auto)
        {
            // Built under the global-random gate with a fixed seed, as the probes' models are, so that the fitting
            // never moves the random numbers of a model being built elsewhere.
            using var shape = GlobalRandom.Seeded(0, backbone, logger: null);
            var layout = LayoutChoice.Measure(shape, dataset, views, o.Pretext, new Device(device), logger, cancellationToken);
            o.Pretext.Layout = layout.Chosen;
            float32 = layout.ChosenSecondsPerStep;
            fit.Decide($"Layout: a float32 SimCLR step takes {layout.ContiguousSecondsPerStep:F3} s contiguous, {layout.ChannelsLastSecondsPerStep:F3} s channels-last; {layout.Chosen} chosen.");
        }
        var measurement = PrecisionChoice.Measure(backbone, dataset, views, o.Pretext, o.Pretext.Layout, new Device(device), logger,
            cancellationToken, float32);
        o.Pretext.Precision = measurement.Chosen;
        fit.Decide($"Probe: a SimCLR step takes {measurement.Float32SecondsPerStep:F3} s in float32, {measurement.BFloat16SecondsPerStep:F3} s in bfloat16; {measurement.Chosen} chosen.");
        return measurement;
    }

    /// <summary>Stage lengths in optimizer steps: the fixed passes first, then SimCLR and self-labelling share the rest
    /// of the planned part of the budget.</summary>
    private static StagePlan PlanStages(Fitting fit, IImageDataset dataset, PrecisionMeasurement measurement, TimeSpan total, Stopwatch clock)
    {
        int n = dataset.Count;
        var o = fit.Options;
        o.SelfLabeling.BatchSize = Math.Clamp(n / 3, 16, 500);
        var cost = new RunCost(o, dataset, measurement);
        double training = Math.Max(0, PlannedShare * total.TotalSeconds - clock.Elapsed.TotalSeconds - cost.FixedSeconds);

        bool selfLabel = n >= SelfLabelingMinImages;
        double pretextShare = selfLabel ? PretextShare : 1.0;
        int pretextSteps = Math.Max(1, (int)(pretextShare * training / cost.PretextStepSeconds));
        int stepsPerEpoch = cost.PretextStepsPerEpoch;
        o.Pretext.Epochs = Math.Clamp((int)Math.Round((double)pretextSteps / stepsPerEpoch), 1, 2000);
        o.Pretext.WarmupEpochs = o.Pretext.Epochs >= 10 ? Math.Max(1, o.Pretext.Epochs / 20) : 0;
        fit.Decide($"SimCLR: {pretextSteps} steps in {pretextShare * training:F0} s = {o.Pretext.Epochs} epochs of {stepsPerEpoch} steps, {o.Pretext.WarmupEpochs} warm-up.");
        if (pretextSteps < 300)
            fit.Decide($"Warning: {pretextSteps} SimCLR steps are few (the calibration used 500 to 1,200); a larger budget gives better features.");

        PlanSelfLabeling(fit, n, cost, selfLabel ? (1 - pretextShare) * training : null);

        int actualPretextSteps = o.Pretext.Epochs * stepsPerEpoch;
        int selfEpochs = o.SelfLabelingEnabled ? o.SelfLabeling.Epochs : 0;
        double estimate = clock.Elapsed.TotalSeconds + cost.FixedSeconds + o.Pretext.Epochs * cost.PretextEpochSeconds +
                          selfEpochs * cost.SelfLabelingEpochSeconds;
        fit.Decide($"Estimated wall time {estimate:F0} s of the {total.TotalSeconds:F0} s budget.");
        return new StagePlan(actualPretextSteps, cost.ClusteringSteps, selfEpochs * cost.SelfLabelingStepsPerEpoch, estimate);
    }

    /// <summary>Self-labelling's epochs in the seconds left to it (null: too few images for it to help).</summary>
    private static void PlanSelfLabeling(Fitting fit, int n, RunCost cost, double? seconds)
    {
        var o = fit.Options;
        int epochs = seconds is { } s ? Math.Min((int)(s / cost.SelfLabelingEpochSeconds), 20) : 0;
        FormattableString? off = seconds is null
            ? (FormattableString)$"Self-labelling off: {n} images are fewer than {SelfLabelingMinImages}, where it lowered the SCAN stage's accuracy; SimCLR gets its time."
            : epochs < 1 ? (FormattableString)$"Self-labelling off: the budget leaves {seconds:F0} s, less than one epoch ({cost.SelfLabelingEpochSeconds:F0} s)." : null;
        if (off is null)
        {
            o.SelfLabeling.Epochs = epochs;
            fit.Decide($"Self-labelling: batch {o.SelfLabeling.BatchSize}, {epochs} epochs ({epochs * cost.SelfLabelingStepsPerEpoch} steps).");
            return;
        }
        o.SelfLabelingEnabled = false;
        o.SelfLabeling.Epochs = 1;
        fit.Decide(off);
    }

    private static int PowerOfTwoAtMost(int value) => 1 << (31 - int.LeadingZeroCount(Math.Max(1, value)));

    private static int CeilDiv(int a, int b) => (a + Math.Max(1, b) - 1) / Math.Max(1, b);
}
