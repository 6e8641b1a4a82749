using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Inference;
using Scan.Core.IO;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline.Health;
using Scan.Core.Pretext;
using Scan.Core.Runtime;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

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

    private async Task<ScanResult> Run(IImageDataset dataset, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        var o = _options;
        if (Runtime.NativeAllocator.Tune() && !Runtime.NativeAllocator.SingleArena)
            _logger?.LogInformation("Start the process with MALLOC_ARENA_MAX=1 for about twice the CPU training speed (see NativeAllocator).");
        var device = new Device(o.Device);
        var runs = o.RunDirectory is null ? null : new RunDirectory(o.RunDirectory);
        using var runLock = runs?.Lock();
        runs?.ClaimFor(o);

        var (mean, std) = o.Augmentation.Mean is not null
            ? (o.Augmentation.Mean, o.Augmentation.Std!)
            : DatasetStatistics.MeanStd(dataset);
        if (mean.Length != dataset.Channels)
            throw new ArgumentException($"Normalisation has {mean.Length} channel(s), the dataset {dataset.Channels}.", nameof(dataset));
        var normalization = new NormalizationStats(mean, std);
        var eval = AugmentationRecipes.Eval(normalization);
        var stages = new List<StageReport>();

        // Stage 1: pretext.
        var clock = Stopwatch.StartNew();
        Backbone backbone;
        ContrastiveModel? contrastive = null;
        if (_pretrainedBackbone is not null)
        {
            backbone = GlobalRandom.Exclusive(_pretrainedBackbone, _logger)
                       ?? throw new InvalidOperationException("The pretrained backbone factory returned null.");
            if (backbone.InputChannels != dataset.Channels)
                throw new ArgumentException($"The pretrained backbone expects {backbone.InputChannels} channel(s), the dataset has {dataset.Channels}.", nameof(dataset));
            stages.Add(new StageReport { Stage = ScanStage.Pretext, Seconds = 0, Loaded = true });
        }
        else
        {
            (backbone, contrastive) = GlobalRandom.Seeded(o.Seed, () =>
            {
                var built = o.Backbone.Build(dataset.Channels, dataset.Height, dataset.Width);
                return (built, new ContrastiveModel(built, o.Pretext.ProjectionDim));
            }, _logger);
            var done = runs?.ReadReport(ScanStage.Pretext);
            if (done is not null)
            {
                runs!.LoadModule(runs.ContrastiveModelPath, "contrastive-model", contrastive);
                stages.Add(done with { Loaded = true, Seconds = 0 });
            }
            else
            {
                var views = AugmentationRecipes.SimClr(normalization, o.Augmentation.SimClrViews);
                var trainer = new SimClrTrainer(o.Pretext, views, device, o.Seed, _logger);
                var result = await trainer.TrainAsync(contrastive, dataset, runs?.CheckpointPath(ScanStage.Pretext), progress, ct).ConfigureAwait(false);
                if (runs is not null)
                    runs.SaveModule(runs.ContrastiveModelPath, "contrastive-model", contrastive);
                var report = new StageReport
                {
                    Stage = ScanStage.Pretext, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
                    Health = Logged(StageHealth.PretextLoss(result.History) is { } check ? new[] { check } : Array.Empty<HealthCheck>()),
                };
                runs?.WriteReport(report);
                stages.Add(report);
            }
        }
        backbone.to(device);
        ct.ThrowIfCancellationRequested();

        // Stage 2: mining.
        clock.Restart();
        NeighborSet neighbors;
        IReadOnlyList<HealthCheck> miningHealth = Array.Empty<HealthCheck>();
        int[]? kMeansClusters = null;
        if (_neighbors is not null)
        {
            neighbors = _neighbors;
            stages.Add(MiningReport(neighbors, dataset, 0, loaded: true));
        }
        else if (runs?.ReadReport(ScanStage.Mining) is { } minedBefore)
        {
            neighbors = NeighborSetFile.Load(runs.NeighborsPath);
            stages.Add(minedBefore with { Loaded = true, Seconds = 0 });
        }
        else
        {
            (neighbors, miningHealth, kMeansClusters) = Mine(dataset, backbone, contrastive, eval, normalization, device, progress, ct);
            if (runs is not null)
                NeighborSetFile.Save(neighbors, runs.NeighborsPath);
            var report = MiningReport(neighbors, dataset, clock.Elapsed.TotalSeconds, loaded: false) with { Health = Logged(miningHealth) };
            runs?.WriteReport(report);
            stages.Add(report);
        }
        if (neighbors.Count != dataset.Count)
            throw new ArgumentException($"The neighbours cover {neighbors.Count} images, the dataset has {dataset.Count}.", nameof(dataset));
        ct.ThrowIfCancellationRequested();

        // Stage 3: SCAN clustering.
        clock.Restart();
        var network = GlobalRandom.Seeded(o.Seed + 1,
            () => new ClusteringModel(backbone, o.Clustering.Clusters, o.Clustering.Heads), _logger);
        var info = new ScanModelInfo
        {
            Channels = dataset.Channels, Height = dataset.Height, Width = dataset.Width, Mean = mean, Std = std,
            Backbone = _pretrainedBackbone is null ? o.Backbone : BackboneOptions.Describe(backbone),
            Clusters = o.Clustering.Clusters, Heads = o.Clustering.Heads, SelectedHead = 0,
        };
        if (info.Backbone is null)
            _logger?.LogInformation("The pretrained backbone is a {Type} that BackboneOptions cannot describe; load the saved model with ScanModel.Load(path, backboneFactory).", backbone.GetType().Name);
        var strong = AugmentationRecipes.Strong(normalization, o.Augmentation.Strong);
        ScanModel model;
        if (runs?.ReadReport(ScanStage.Clustering) is { } clusteredBefore)
        {
            network.Dispose();
            model = LoadStageModel(runs.ModelPath(ScanStage.Clustering), device);
            stages.Add(clusteredBefore with { Loaded = true, Seconds = 0 });
        }
        else
        {
            using var neighborIndices = neighbors.ToIndexTensor();
            var trainer = new ScanTrainer(o.Clustering, strong, eval, device, o.Seed, _logger);
            var result = await trainer.TrainAsync(network, dataset, neighborIndices, runs?.CheckpointPath(ScanStage.Clustering), progress, ct).ConfigureAwait(false);
            model = new ScanModel(network, info);
            if (runs is not null)
                model.Save(runs.ModelPath(ScanStage.Clustering));
            var figures = new Dictionary<string, double> { ["selectedHead"] = result.SelectedHead };
            foreach (var head in result.HeadLosses)
                figures[$"head{head.Head}Loss"] = head.Total;
            var kept = result.HeadLosses.First(h => h.Head == result.SelectedHead);
            string? remedy = result.HeadLosses.Count > 1 && result.HeadLosses.Any(h => h.Degenerate)
                ? $"{result.HeadLosses.Count(h => h.Degenerate)} of {result.HeadLosses.Count} heads were degenerate and were passed over" +
                  (kept.Degenerate ? "; every head was, so the most balanced one is kept." : ".")
                : null;
            var report = new StageReport
            {
                Stage = ScanStage.Clustering, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
                Figures = figures, Evaluation = Evaluate(model, dataset),
                Health = Logged(StageHealth.Partition(kept.ClusterSizes, remedy).ToList()),
            };
            runs?.WriteReport(report);
            stages.Add(report);
        }
        ct.ThrowIfCancellationRequested();

        // Stage 4: self-labelling.
        if (o.SelfLabelingEnabled)
        {
            clock.Restart();
            if (runs?.ReadReport(ScanStage.SelfLabeling) is { } labelledBefore)
            {
                model.Dispose();
                model = LoadStageModel(runs.ModelPath(ScanStage.SelfLabeling), device);
                stages.Add(labelledBefore with { Loaded = true, Seconds = 0 });
            }
            else
            {
                var weak = AugmentationRecipes.Weak(normalization, o.Augmentation.Weak);
                var before = model.Predict(dataset);
                int confident = before.Confidences.Count(c => c > o.SelfLabeling.ConfidenceThreshold);
                var confidentCheck = Logged(new[] { StageHealth.Confident(confident, o.Clustering.Clusters, o.SelfLabeling.ConfidenceThreshold) });
                if (confidentCheck[0].Fired)
                {
                    // Nothing to learn from: training on an (almost) empty target set only moves the weights by
                    // weight decay and momentum. The clustering model is kept, and the report says why.
                    if (runs is not null)
                        model.Save(runs.ModelPath(ScanStage.SelfLabeling));
                    var skipped = new StageReport
                    {
                        Stage = ScanStage.SelfLabeling, Seconds = clock.Elapsed.TotalSeconds,
                        Figures = new Dictionary<string, double> { ["confidentBefore"] = confident, ["skipped"] = 1 },
                        Health = confidentCheck,
                    };
                    runs?.WriteReport(skipped);
                    stages.Add(skipped);
                }
                else
                {
                    var labeler = new SelfLabeler(o.SelfLabeling, weak, strong, device, o.Seed, _logger);
                    // Self-labelling can pull every sample into the few clusters that were confident first. The
                    // spread of the predicted clusters (entropy of their sizes) needs no labels: when it falls by more
                    // than a tenth of its maximum, ln C, the clustering model is restored and the report says so.
                    double spreadBefore = ClusterHealth.SizeEntropy(ClusterHealth.Sizes(before.Clusters, o.Clustering.Clusters));
                    using var snapshot = new MemoryStream();
                    using (var writer = new BinaryWriter(snapshot, System.Text.Encoding.UTF8, leaveOpen: true))
                        model.Network.save(writer);
                    var result = await labeler.TrainAsync(model.Network, dataset, runs?.CheckpointPath(ScanStage.SelfLabeling), progress, ct).ConfigureAwait(false);
                    var after = model.Predict(dataset);
                    double spreadAfter = ClusterHealth.SizeEntropy(ClusterHealth.Sizes(after.Clusters, o.Clustering.Clusters));
                    bool reverted = spreadAfter < spreadBefore - 0.1 * Math.Log(o.Clustering.Clusters);
                    var trainedEvaluation = dataset.Labels is null ? null : ClusteringMetrics.Evaluate(after.Clusters, dataset.Labels, o.Clustering.Clusters);
                    if (reverted)
                    {
                        _logger?.LogWarning("Self-labelling collapsed the clusters (size entropy {Before:F3} -> {After:F3}); the clustering model is kept.", spreadBefore, spreadAfter);
                        snapshot.Position = 0;
                        using var reader = new BinaryReader(snapshot, System.Text.Encoding.UTF8, leaveOpen: true);
                        model.Network.load(reader, strict: true);
                    }
                    if (runs is not null)
                        model.Save(runs.ModelPath(ScanStage.SelfLabeling));
                    var figures = new Dictionary<string, double>
                    {
                        ["confidentLastEpoch"] = result.ConfidentPerEpoch.LastOrDefault(),
                        ["clusterSpreadBefore"] = spreadBefore,
                        ["clusterSpreadAfter"] = spreadAfter,
                        ["reverted"] = reverted ? 1 : 0,
                    };
                    if (reverted && trainedEvaluation is not null)
                        figures["accuracyBeforeRevert"] = trainedEvaluation.Accuracy;
                    var report = new StageReport
                    {
                        Stage = ScanStage.SelfLabeling, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
                        Figures = figures,
                        Evaluation = reverted ? Evaluate(model, dataset) : trainedEvaluation,
                        Health = confidentCheck,
                    };
                    runs?.WriteReport(report);
    stages.Add(report);
                }
            }
        }

        // Final predictions, metrics and prototypes.
        clock.Restart();
        var predictions = model.Predict(dataset);
        var evaluation = dataset.Labels is null ? null : ClusteringMetrics.Evaluate(predictions.Clusters, dataset.Labels, o.Clustering.Clusters);
        if (evaluation is not null && dataset.ClassNames is not null)
        {
            var names = evaluation.ClusterToClass.Select(c => c >= 0 && c < dataset.ClassNames.Count ? dataset.ClassNames[c] : "?").ToArray();
            var named = new ScanModel(model.Network, model.Info with { ClusterNames = names });
            model = named;
            predictions = predictions with { ClusterNames = names };
        }
        var prototypes = ClusterPrototypes.MostConfident(predictions.Clusters, predictions.Confidences, 10, o.Clustering.Clusters);
        stages.Add(new StageReport
        {
            Stage = ScanStage.Evaluation, Seconds = clock.Elapsed.TotalSeconds, Evaluation = evaluation,
            Health = Logged(StageHealth.Partition(ClusterHealth.Sizes(predictions.Clusters, o.Clustering.Clusters), null)
                .Concat(kMeansClusters is null ? Array.Empty<HealthCheck>() : new[] { StageHealth.AgainstKMeans(predictions.Clusters, kMeansClusters, neighbors, o.Clustering.Clusters) })
                .ToList()),
        });
        if (runs is not null)
        {
            model.Save(runs.FinalModelPath);
            runs.WriteMetrics(stages, evaluation);
        }
        return new ScanResult(model, predictions, stages, evaluation, prototypes);
    }

    /// <summary>Writes every check that fired to the logger, as a warning, and hands the checks back.</summary>
    private IReadOnlyList<HealthCheck> Logged(IReadOnlyList<HealthCheck> checks)
    {
        foreach (var check in checks.Where(c => c.Fired))
            _logger?.LogWarning("Health check {Check}", check.ToString());
        return checks;
    }

    /// <summary>
    /// Loads a stage's saved model on resume. A model on a pretrained backbone of the caller's own class is rebuilt
    /// around a backbone from the caller's factory, whose weights the file then replaces.
    /// </summary>
    private ScanModel LoadStageModel(string path, Device device) => ScanModel.Load(path,
        info => info.Backbone?.Build(info.Channels, info.Height, info.Width)
                ?? GlobalRandom.Exclusive(_pretrainedBackbone ?? throw new InvalidDataException(
                       $"Scan.NET model '{path}' was trained on a backbone of the caller's own, but this pipeline has no pretrained backbone factory."), _logger)
                ?? throw new InvalidOperationException("The pretrained backbone factory returned null."),
        device);

    /// <summary>Embeds, mines, checks the neighbours against augmented views, and clusters the same features with
    /// k-means for the final comparison (the baseline a user would otherwise try first).</summary>
    private (NeighborSet, IReadOnlyList<HealthCheck>, int[]) Mine(IImageDataset dataset, Backbone backbone, ContrastiveModel? contrastive,
        IAugmentation eval, NormalizationStats normalization, Device device, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Forwarded on the mining thread: Progress<T> would post each report to the thread pool, where one could
        // reach the caller after RunAsync has returned (a test's disposed CancellationTokenSource crashed on it).
        var report = progress is null ? null : new ForwardingProgress<MiningProgress>(p => progress.Report(new ScanProgress(
            ScanStage.Mining, 1, 1, p.Completed, p.Total, new Dictionary<string, double>(), 0, clock.Elapsed, null, false)));
        nn.Module<Tensor, Tensor> encoder = contrastive is not null ? contrastive : backbone;
        encoder.eval();
        // The authors mine on the L2-normalised projection of the pretext model; with a supplied backbone, on its features.
        using var features = FeatureExtractor.Embed(dataset, encoder.forward,
            new FeatureExtractorOptions { BatchSize = _options.Mining.BatchSize, Preprocessing = eval, Seed = (ulong)_options.Seed, Device = device },
            report, ct);
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = _options.Mining.NumNeighbors, Device = device });
        var neighbors = miner.Mine(features, null, ct);
        var views = AugmentationRecipes.SimClr(normalization, _options.Augmentation.SimClrViews);
        var agreement = StageHealth.NeighborAgreement(dataset, features, neighbors, encoder.forward, views, device, (ulong)_options.Seed, ct);
        using var unit = nn.functional.normalize(features.to(ScalarType.Float32).cpu(), dim: 1);
        var kMeans = KMeans.Fit(unit, new KMeansOptions { Clusters = _options.Clustering.Clusters, Inits = 3, Seed = _options.Seed });
        return (neighbors, new[] { agreement }, kMeans.Assignments);
    }

    private static StageReport MiningReport(NeighborSet neighbors, IImageDataset dataset, double seconds, bool loaded)
    {
        var figures = new Dictionary<string, double> { ["numNeighbors"] = neighbors.NumNeighbors };
        if (dataset.Labels is not null)
        {
            figures["neighborPurity"] = NeighborPurity.Compute(neighbors, dataset.Labels);
            if (neighbors.NumNeighbors >= 5)
                figures["neighborPurityTop5"] = NeighborPurity.Compute(neighbors, dataset.Labels, 5);
            figures["knnAccuracy"] = KnnVote.Accuracy(neighbors, dataset.Labels);
        }
        return new StageReport { Stage = ScanStage.Mining, Seconds = seconds, Loaded = loaded, Figures = figures };
    }

    private static ClusteringReport? Evaluate(ScanModel model, IImageDataset dataset)
    {
        if (dataset.Labels is null)
            return null;
        var predictions = model.Predict(dataset);
        return ClusteringMetrics.Evaluate(predictions.Clusters, dataset.Labels, model.Info.Clusters);
    }

    private void ValidateDataset(IImageDataset dataset)
    {
        var o = _options;
        if (dataset.Count < 2)
            throw new ArgumentException($"The dataset has {dataset.Count} image(s); SCAN needs at least 2.", nameof(dataset));
        if (dataset.Channels is not (1 or 3))
            throw new ArgumentException($"Expected 1 or 3 channels, found {dataset.Channels}.", nameof(dataset));
        if (o.Mining.NumNeighbors >= dataset.Count)
            throw new ArgumentException($"NumNeighbors ({o.Mining.NumNeighbors}) must be below the dataset size ({dataset.Count}).", nameof(dataset));
        foreach (var (stage, batch) in new[] { ("Pretext", o.Pretext.BatchSize), ("Clustering", o.Clustering.BatchSize), ("SelfLabeling", o.SelfLabeling.BatchSize) })
        {
            if (batch > dataset.Count && (stage != "Pretext" || _pretrainedBackbone is null) && (stage != "SelfLabeling" || o.SelfLabelingEnabled))
                throw new ArgumentException($"{stage} BatchSize ({batch}) is larger than the dataset ({dataset.Count} images).", nameof(dataset));
        }
        if (o.Clustering.Clusters > dataset.Count)
            throw new ArgumentException($"Clusters ({o.Clustering.Clusters}) exceeds the dataset size ({dataset.Count}).", nameof(dataset));
        if (_neighbors is not null && _neighbors.Count != dataset.Count)
            throw new ArgumentException($"The neighbours given cover {_neighbors.Count} images, the dataset has {dataset.Count}.", nameof(dataset));
    }
}
