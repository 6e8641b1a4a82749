using Microsoft.Extensions.Logging;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline.Stages;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>
/// SCAN end to end: SimCLR pretext → neighbour mining → SCAN clustering → self-labelling, built with
/// <see cref="Create"/>. Each stage can be skipped or given its result (a pretrained backbone, saved neighbours).
/// With a run directory, every stage's output is written atomically and a new run on the same directory resumes.
/// The built pipeline is immutable; one pipeline runs one dataset at a time. Different pipelines may run at once on
/// different threads and give the results each gives alone: they take turns only to seed TorchSharp's process-wide
/// random generator and build their models (a wait is logged), and two runs on the same run directory are refused.
/// </summary>
/// <example>
/// <code>
/// var pipeline = ScanPipeline.Create()                 // not IDisposable: the result owns the model
///     .WithOptions(ScanPresets.FashionMnistQuick())
///     .WithClustering(o => o.Clusters = 10)
///     .WithSeed(42)
///     .WithRunDirectory("runs/fmnist")
///     .Build();
/// using var images = FashionMnist.LoadBundled();
/// using var result = await pipeline.RunAsync(images, progress, cancellationToken);
/// Console.WriteLine($"ACC {result.Evaluation?.Accuracy:P1}");
/// </code>
/// </example>
public sealed class ScanPipeline
{
    private readonly ScanOptions _options;
    private readonly Func<Backbone>? _pretrainedBackbone;
    private readonly NeighborSet? _neighbors;
    private readonly ILogger? _logger;
    private int _running;

    internal ScanPipeline(ScanOptions options, Func<Backbone>? pretrainedBackbone, NeighborSet? neighbors, ILogger? logger)
    {
        _options = options;
        _pretrainedBackbone = pretrainedBackbone;
        _neighbors = neighbors;
        _logger = logger;
    }

    /// <summary>Starts a builder with the default (authors' CIFAR-10) options.</summary>
    public static ScanPipelineBuilder Create() => new();

    /// <summary>A copy of the options this pipeline runs with.</summary>
    public ScanOptions Options => _options.Clone();

    /// <summary>Runs (or resumes) every stage on <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The images to cluster; labels, if present, are used for reports only.</param>
    /// <param name="progress">Step, epoch and stage reports.</param>
    /// <param name="cancellationToken">Stops within a step; with a run directory the run can be resumed.</param>
    /// <exception cref="ArgumentException">The dataset does not fit the options (too small, channels, sizes).</exception>
    /// <exception cref="InvalidOperationException">This pipeline is already running, the run directory is in use by
    /// another run, or it was made with other options.</exception>
    /// <exception cref="TrainingDivergedException">A loss became NaN or infinite; the stage and step are named.</exception>
    public async Task<ScanResult> RunAsync(IImageDataset dataset, IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ValidateDataset(dataset);
        if (Interlocked.Exchange(ref _running, 1) == 1)
            throw new InvalidOperationException("This ScanPipeline is already running; build another one to run in parallel.");
        try
        {
            return await Task.Run(() => Run(dataset, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// The SimCLR model (backbone and projection head) a run's finished pretext stage saved in its run directory
    /// (<see cref="ScanOptions.RunDirectory"/>), rebuilt with the options the run was started with: the model whose
    /// L2-normalised projections the neighbours were mined from. For tools that show or export the pretext features
    /// after a run (e.g. the <c>scan</c> tool's embeddings.npy and map): embed a dataset with it through
    /// <see cref="FeatureExtractor.Embed"/>, with the model's normalisation as preprocessing.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="channels">Input channels of the run's images.</param>
    /// <param name="height">Input height of the run's images.</param>
    /// <param name="width">Input width of the run's images.</param>
    /// <returns>The model on the CPU, in evaluation mode (the caller disposes it); null when the folder holds no run,
    /// the pretext stage has not finished, or the run was given a pretrained backbone and trained no SimCLR model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="InvalidDataException">The run's options.json or the saved model is damaged or does not fit
    /// the run's options; the message names the file.</exception>
    public static ContrastiveModel? LoadPretextModel(string runDirectory, int channels, int height, int width)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return RunDirectory.LoadPretextModel(runDirectory, channels, height, width);
    }

    private async Task<ScanResult> Run(IImageDataset dataset, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        if (ImageReader.Prepare(ReadPurpose.Training) && !Runtime.NativeAllocator.SingleArena)
            _logger?.LogInformation("Start the process with MALLOC_ARENA_MAX=1 for about twice the CPU training speed (see NativeAllocator).");
        var runs = _options.RunDirectory is null ? null : new RunDirectory(_options.RunDirectory);
        using var runLock = runs?.Lock();
        runs?.ClaimFor(_options);
        var run = StageContext.Open(_options, dataset, runs, _pretrainedBackbone, _logger, progress, ct);

        // The full passes over the dataset, every one through ImageReader (besides the training epochs and each
        // trainer's one read of the images into memory):
        //  1. normalisation statistics (StageContext.Open; at most 10,000 images; none when the options give them);
        //  2. the pretext model's embedding for mining (MiningStage; plus the pixels, without a model, when
        //     Mining.PixelWeight > 0);
        //  3. heads-only clustering's feature cache (Clustering.FeatureCachePasses backbone passes, priced with
        //     training);
        //  4. the heads' evaluation after clustering, whose selected head's predictions are the clustering model's
        //     predictions (self-labelling's starting point, the clustering report and, without self-labelling, the
        //     final ones);
        //  5. with self-labelling, one prediction after each of its epochs, for the label-free judge that keeps the
        //     best epoch (the final predictions; when it keeps the clustering model, those of 4).
        // A stage loaded from the run directory makes none of its passes; a loaded clustering model is predicted once.

        var pretext = await PretextStage.RunAsync(run).ConfigureAwait(false);
        var mining = MiningStage.Run(run, pretext, _neighbors);
        var clustering = await ClusteringStage.RunAsync(run, pretext, mining).ConfigureAwait(false);
        var stages = new List<StageReport> { pretext.Report, mining.Report, clustering.Report };
        var final = clustering.Model;
        if (_options.SelfLabelingEnabled)
        {
            var selfLabeling = await SelfLabelingStage.RunAsync(run, clustering, mining.Neighbors).ConfigureAwait(false);
            stages.Add(selfLabeling.Report);
            final = selfLabeling.Model;
        }
        return EvaluationStage.Run(run, final, mining, stages);
    }

    private void ValidateDataset(IImageDataset dataset) =>
        DatasetRequirements.ThrowIfUnfit(_options, dataset, suppliedBackbone: _pretrainedBackbone is not null, _neighbors);
}
