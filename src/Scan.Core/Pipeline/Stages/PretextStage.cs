using System.Diagnostics;
using Scan.Augment.Recipes;
using Scan.Core.Models;
using Scan.Core.Pipeline.Health;
using Scan.Core.Pretext;
using Scan.Core.Runtime;
using Scan.Core.Training;
using TorchSharp;

namespace Scan.Core.Pipeline.Stages;

/// <summary>Stage 1's outcome: the backbone the later stages build on, and the SimCLR model (backbone and projection
/// head) mining embeds with; null when the caller supplied the backbone.</summary>
internal sealed record PretextOutcome(Backbone Backbone, ContrastiveModel? Contrastive, StageReport Report);

/// <summary>Stage 1: the caller's pretrained backbone, the SimCLR model of a finished run, or SimCLR training.</summary>
internal static class PretextStage
{
    public static async Task<PretextOutcome> RunAsync(StageContext run)
    {
        var o = run.Options;
        var dataset = run.Dataset;
        if (run.PretrainedBackbone is not null)
        {
            var supplied = GlobalRandom.Exclusive(run.PretrainedBackbone, run.Logger)
                           ?? throw new InvalidOperationException("The pretrained backbone factory returned null.");
            if (supplied.InputChannels != dataset.Channels)
                throw new ArgumentException($"The pretrained backbone expects {supplied.InputChannels} channel(s), the dataset has {dataset.Channels}.", nameof(dataset));
            return Placed(run, new PretextOutcome(supplied, null, new StageReport { Stage = ScanStage.Pretext, Seconds = 0, Loaded = true }));
        }

        var clock = Stopwatch.StartNew();
        var (backbone, contrastive) = GlobalRandom.Seeded(o.Seed, () =>
        {
            var built = o.Backbone.Build(dataset.Channels, dataset.Height, dataset.Width);
            return (built, new ContrastiveModel(built, o.Pretext.ProjectionDim));
        }, run.Logger);
        var runs = run.Runs;
        if (run.Finished(ScanStage.Pretext) is { } done)
        {
            runs!.LoadModule(runs.ContrastiveModelPath, "contrastive-model", contrastive);
            return Placed(run, new PretextOutcome(backbone, contrastive, done));
        }

        var views = AugmentationRecipes.SimClr(run.Normalization, o.Augmentation.SimClrViews);
        var trainer = new SimClrTrainer(o.Pretext, views, run.Device, o.Seed, run.Logger);
        var result = await trainer.TrainAsync(contrastive, dataset, runs?.CheckpointPath(ScanStage.Pretext), run.Progress, run.Cancellation).ConfigureAwait(false);
        runs?.SaveModule(runs.ContrastiveModelPath, "contrastive-model", contrastive);
        var report = run.Finish(new StageReport
        {
            Stage = ScanStage.Pretext, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
            Health = run.Logged(StageHealth.PretextLoss(result.History) is { } check ? new[] { check } : Array.Empty<HealthCheck>()),
        });
        return Placed(run, new PretextOutcome(backbone, contrastive, report));
    }

    private static PretextOutcome Placed(StageContext run, PretextOutcome outcome)
    {
        outcome.Backbone.to(run.Device);
        run.Cancellation.ThrowIfCancellationRequested();
        return outcome;
    }
}
