using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Inference;
using Scan.Core.Models;
using Scan.Core.Pipeline.Health;
using Scan.Core.Runtime;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline.Stages;

/// <summary>What every stage of one run shares: the options, the dataset and its normalisation, the device, the run
/// directory, the caller's logger, progress and cancellation.</summary>
internal sealed class StageContext
{
    private StageContext(ScanOptions options, IImageDataset dataset, float[] mean, float[] std, RunDirectory? runs,
        Func<Backbone>? pretrainedBackbone, ILogger? logger, IProgress<ScanProgress>? progress, CancellationToken cancellation)
    {
        Options = options;
        Dataset = dataset;
        Mean = mean;
        Std = std;
        Normalization = new NormalizationStats(mean, std);
        Eval = AugmentationRecipes.Eval(Normalization);
        Device = new Device(options.Device);
        Runs = runs;
        PretrainedBackbone = pretrainedBackbone;
        Logger = logger;
        Progress = progress;
        Cancellation = cancellation;
    }

    /// <summary>The context of a run on <paramref name="dataset"/>: its normalisation from the options, or measured.</summary>
    /// <exception cref="ArgumentException">The options' normalisation has another channel count than the dataset.</exception>
    public static StageContext Open(ScanOptions options, IImageDataset dataset, RunDirectory? runs, Func<Backbone>? pretrainedBackbone,
        ILogger? logger, IProgress<ScanProgress>? progress, CancellationToken cancellation)
    {
        var (mean, std) = options.Augmentation.Mean is not null
            ? (options.Augmentation.Mean, options.Augmentation.Std!)
            : DatasetStatistics.MeanStd(dataset);
        if (mean.Length != dataset.Channels)
            throw new ArgumentException($"Normalisation has {mean.Length} channel(s), the dataset {dataset.Channels}.", nameof(dataset));
        return new StageContext(options, dataset, mean, std, runs, pretrainedBackbone, logger, progress, cancellation);
    }

    public ScanOptions Options { get; }
    public IImageDataset Dataset { get; }
    public float[] Mean { get; }
    public float[] Std { get; }
    public NormalizationStats Normalization { get; }

    /// <summary>The un-augmented view (normalisation only) every evaluation and embedding uses.</summary>
    public IAugmentation Eval { get; }
    public Device Device { get; }
    public RunDirectory? Runs { get; }
    public Func<Backbone>? PretrainedBackbone { get; }
    public ILogger? Logger { get; }
    public IProgress<ScanProgress>? Progress { get; }
    public CancellationToken Cancellation { get; }
    public int Clusters => Options.Clustering.Clusters;

    /// <summary>The finished stage's report from the run directory (marked loaded), or null.</summary>
    public StageReport? Finished(ScanStage stage) =>
        Runs?.ReadReport(stage) is { } done ? done with { Loaded = true, Seconds = 0 } : null;

    /// <summary>Writes the stage's report to the run directory (last, so the stage then counts as finished).</summary>
    public T Finish<T>(T report) where T : StageReport
    {
        Runs?.WriteReport(report);
        return report;
    }

    /// <summary>Writes every check that fired to the logger, as a warning, and hands the checks back.</summary>
    public IReadOnlyList<HealthCheck> Logged(IReadOnlyList<HealthCheck> checks)
    {
        foreach (var check in checks.Where(c => c.Fired))
            Logger?.LogWarning("Health check {Check}", check.ToString());
        return checks;
    }

    /// <summary>Metrics of <paramref name="predictions"/> against the labels; null without labels.</summary>
    public ClusteringReport? Evaluate(ScanPredictions predictions) =>
        Dataset.Labels is null ? null : ClusteringMetrics.Evaluate(predictions.Clusters, Dataset.Labels, Clusters);

    /// <summary>
    /// Loads a stage's saved model on resume. A model on a pretrained backbone of the caller's own class is rebuilt
    /// around a backbone from the caller's factory, whose weights the file then replaces.
    /// </summary>
    public ScanModel LoadStageModel(string path) => ScanModel.Load(path,
        info => info.Backbone?.Build(info.Channels, info.Height, info.Width)
                ?? GlobalRandom.Exclusive(PretrainedBackbone ?? throw new InvalidDataException(
                       $"Scan.NET model '{path}' was trained on a backbone of the caller's own, but this pipeline has no pretrained backbone factory."), Logger)
                ?? throw new InvalidOperationException("The pretrained backbone factory returned null."),
        Device);
}

/// <summary>A model and, when known, its predictions on the whole dataset: a stage that did not change the weights
/// hands its predictions on, so the dataset is not run through the same model twice.</summary>
internal sealed class PredictedModel(ScanModel model, ScanPredictions? predictions = null)
{
    private ScanPredictions? _predictions = predictions;

    public ScanModel Model { get; } = model;

    public ScanPredictions Predictions(IImageDataset dataset) => _predictions ??= Model.Predict(dataset);
}
