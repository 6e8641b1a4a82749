using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.Pipeline.Health;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;

namespace Scan.Core.Pipeline.Stages;

/// <summary>Stage 4's outcome: the model the run ends with and the report.</summary>
internal sealed record SelfLabelingOutcome(PredictedModel Model, StageReport Report);

/// <summary>
/// Stage 4: the self-labelled model of a finished run, or self-labelling of the clustering model. Owns its two
/// health checks and their remedies: too few confident images skip the stage, and a collapse of the cluster sizes
/// restores the clustering model.
/// </summary>
internal static class SelfLabelingStage
{
    public static async Task<SelfLabelingOutcome> RunAsync(StageContext run, ClusteringOutcome clustering)
    {
        var clock = Stopwatch.StartNew();
        if (run.Finished(ScanStage.SelfLabeling) is { } done)
        {
            clustering.Model.Model.Dispose();
            return new SelfLabelingOutcome(new PredictedModel(run.LoadStageModel(run.Runs!.ModelPath(ScanStage.SelfLabeling))), done);
        }

        var o = run.Options;
        var model = clustering.Model.Model;
        var before = clustering.Model.Predictions(run.Dataset);
        int confident = before.Confidences.Count(c => c > o.SelfLabeling.ConfidenceThreshold);
        var confidentCheck = run.Logged(new[] { StageHealth.Confident(confident, run.Clusters, o.SelfLabeling.ConfidenceThreshold) });
        if (confidentCheck[0].Fired)
        {
            // Nothing to learn from: training on an (almost) empty target set only moves the weights by weight decay
            // and momentum. The clustering model is kept, and the report says why.
            Save(run, model);
            var skipped = run.Finish(new SelfLabelingStageReport
            {
                Stage = ScanStage.SelfLabeling, Seconds = clock.Elapsed.TotalSeconds,
                Skipped = true, ConfidentBefore = confident, Health = confidentCheck,
            });
            return new SelfLabelingOutcome(clustering.Model, skipped);
        }
        return await TrainAsync(run, clustering, before, confidentCheck, clock).ConfigureAwait(false);
    }

    private static async Task<SelfLabelingOutcome> TrainAsync(StageContext run, ClusteringOutcome clustering, ScanPredictions before,
        IReadOnlyList<HealthCheck> confidentCheck, Stopwatch clock)
    {
        var o = run.Options;
        var model = clustering.Model.Model;
        var weak = AugmentationRecipes.Weak(run.Normalization, o.Augmentation.Weak);
        var labeler = new SelfLabelingTrainer(o.SelfLabeling, weak, clustering.Strong, run.Device, o.Seed, run.Logger);
        // Self-labelling can pull every sample into the few clusters that were confident first. The spread of the
        // predicted clusters (entropy of their sizes) needs no labels: when it falls by more than a tenth of its
        // maximum, ln C, the clustering model is restored and the report says so.
        double spreadBefore = ClusterHealth.SizeEntropy(ClusterHealth.Sizes(before.Clusters, run.Clusters));
        using var snapshot = new MemoryStream();
        using (var writer = new BinaryWriter(snapshot, System.Text.Encoding.UTF8, leaveOpen: true))
            model.Network.save(writer);
        var result = await labeler.TrainAsync(model.Network, run.Dataset, run.Runs?.CheckpointPath(ScanStage.SelfLabeling), run.Progress, run.Cancellation).ConfigureAwait(false);
        var after = model.Predict(run.Dataset);
        double spreadAfter = ClusterHealth.SizeEntropy(ClusterHealth.Sizes(after.Clusters, run.Clusters));
        bool reverted = spreadAfter < spreadBefore - 0.1 * Math.Log(run.Clusters);
        var trainedEvaluation = run.Evaluate(after);
        if (reverted)
        {
            run.Logger?.LogWarning("Self-labelling collapsed the clusters (size entropy {Before:F3} -> {After:F3}); the clustering model is kept.", spreadBefore, spreadAfter);
            snapshot.Position = 0;
            using var reader = new BinaryReader(snapshot, System.Text.Encoding.UTF8, leaveOpen: true);
            model.Network.load(reader, strict: true);
        }
        Save(run, model);
        // Restored weights predict what they predicted before training, bit for bit: no second pass over the data.
        var final = reverted ? before : after;
        var report = run.Finish(new SelfLabelingStageReport
        {
            Stage = ScanStage.SelfLabeling, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
            ConfidentLastEpoch = result.ConfidentPerEpoch.Count > 0 ? result.ConfidentPerEpoch[^1] : 0,
            ClusterSpreadBefore = spreadBefore, ClusterSpreadAfter = spreadAfter, Reverted = reverted,
            AccuracyBeforeRevert = reverted ? trainedEvaluation?.Accuracy : null,
            Evaluation = reverted ? run.Evaluate(before) : trainedEvaluation,
            Health = confidentCheck,
        });
        return new SelfLabelingOutcome(new PredictedModel(model, final), report);
    }

    private static void Save(StageContext run, ScanModel model)
    {
        if (run.Runs is { } runs)
            model.Save(runs.ModelPath(ScanStage.SelfLabeling));
    }
}
