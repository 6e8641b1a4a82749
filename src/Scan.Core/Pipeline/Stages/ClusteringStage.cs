using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.Models;
using Scan.Core.Pipeline.Health;
using Scan.Core.Runtime;
using Scan.Core.Training;

namespace Scan.Core.Pipeline.Stages;

/// <summary>Stage 3's outcome: the SCAN model (and its predictions when they were computed), the strong view the
/// self-labelling stage trains with, and the report.</summary>
internal sealed record ClusteringOutcome(PredictedModel Model, IAugmentation Strong, StageReport Report);

/// <summary>Stage 3: the clustering model of a finished run, or SCAN training of the heads on the mined neighbours.
/// Its health checks judge the kept head's partition; the remedy (passing over degenerate heads) is the trainer's.</summary>
internal static class ClusteringStage
{
    public static async Task<ClusteringOutcome> RunAsync(StageContext run, PretextOutcome pretext, MiningOutcome mining)
    {
        var o = run.Options;
        var dataset = run.Dataset;
        var clock = Stopwatch.StartNew();
        // Built (from its own seed) even when the stage is loaded, so every later draw of the global generator is the
        // same in a resumed run as in an uninterrupted one.
        var network = GlobalRandom.Seeded(o.Seed + 1,
            () => ClusteringModel.Create(pretext.Backbone, o.Clustering.Clusters, o.Clustering.Heads, o.Clustering.PixelComponents,
                dataset.Channels * dataset.Height * dataset.Width), run.Logger);
        var info = Info(run, pretext.Backbone);
        var strong = AugmentationRecipes.Strong(run.Normalization, o.Augmentation.Strong);
        if (run.Finished(ScanStage.Clustering) is { } done)
        {
            network.Dispose();
            var loaded = run.LoadStageModel(run.Runs!.ModelPath(ScanStage.Clustering));
            return Checked(run, new ClusteringOutcome(new PredictedModel(loaded), strong, done));
        }

        // Heads-only training sees its images only through the feature cache, whose views the options choose.
        var views = o.Clustering.UpdateBackbone ? strong : o.Clustering.FeatureCacheViews switch
        {
            CachedViews.Weak => AugmentationRecipes.Weak(run.Normalization, o.Augmentation.Weak),
            CachedViews.Unaugmented => run.Eval,
            _ => strong,
        };
        var trainer = new ScanClusteringTrainer(o.Clustering, views, run.Eval, run.Device, o.Seed, run.Logger);
        var result = await trainer.TrainAsync(network, dataset, mining.Neighbors, run.Runs?.CheckpointPath(ScanStage.Clustering), run.Progress, run.Cancellation).ConfigureAwait(false);
        var model = new ScanModel(network, info);
        if (run.Runs is { } runs)
            model.Save(runs.ModelPath(ScanStage.Clustering));
        // The trainer's evaluation view is run.Eval, the model's own normalisation: its selected head's predictions
        // from the head evaluation are this model's predictions, so the dataset is not run through it again.
        var predicted = new PredictedModel(model, result.Predictions);
        var kept = result.HeadLosses.First(h => h.Head == result.SelectedHead);
        int degenerate = result.HeadLosses.Count(h => h.Degenerate);
        string? remedy = result.HeadLosses.Count > 1 && degenerate > 0
            ? $"{degenerate} of {result.HeadLosses.Count} heads were degenerate and were passed over" +
              (kept.Degenerate ? "; every head was, so the most balanced one is kept." : ".")
            : null;
        var report = run.Finish(new ClusteringStageReport
        {
            Stage = ScanStage.Clustering, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
            SelectedHead = result.SelectedHead, Heads = result.HeadLosses,
            Evaluation = dataset.Labels is null ? null : run.Evaluate(predicted.Predictions(dataset)),
            Health = run.Logged(StageHealth.Partition(kept.ClusterSizes, remedy).ToList()),
        });
        return Checked(run, new ClusteringOutcome(predicted, strong, report));
    }

    private static ScanModelInfo Info(StageContext run, Backbone backbone)
    {
        var o = run.Options;
        var dataset = run.Dataset;
        var info = new ScanModelInfo
        {
            Channels = dataset.Channels, Height = dataset.Height, Width = dataset.Width, Mean = run.Mean, Std = run.Std,
            Backbone = run.PretrainedBackbone is null ? o.Backbone : BackboneOptions.Describe(backbone),
            Clusters = o.Clustering.Clusters, Heads = o.Clustering.Heads, SelectedHead = 0,
            PixelComponents = o.Clustering.PixelComponents,
        };
        if (info.Backbone is null)
            run.Logger?.LogInformation("The pretrained backbone is a {Type} that BackboneOptions cannot describe; load the saved model with ScanModel.Load(path, backboneFactory).", backbone.GetType().Name);
        return info;
    }

    private static ClusteringOutcome Checked(StageContext run, ClusteringOutcome outcome)
    {
        run.Cancellation.ThrowIfCancellationRequested();
        return outcome;
    }
}
