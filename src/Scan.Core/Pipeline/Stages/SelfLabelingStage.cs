using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.Mining;
using Scan.Core.Pipeline.Health;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;

namespace Scan.Core.Pipeline.Stages;

/// <summary>Stage 4's outcome: the model the run ends with and the report.</summary>
internal sealed record SelfLabelingOutcome(PredictedModel Model, StageReport Report);

/// <summary>
/// Stage 4: the self-labelled model of a finished run, or self-labelling of the clustering model. Owns its health
/// checks and their remedies: too few confident images skip the stage, and a label-free judge of every epoch keeps
/// the best one, which is the clustering model when no epoch improves on it (an epoch that lost cluster spread never does).
/// </summary>
internal static class SelfLabelingStage
{
    public static async Task<SelfLabelingOutcome> RunAsync(StageContext run, ClusteringOutcome clustering, NeighborSet neighbors)
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
        return await TrainAsync(run, clustering, neighbors, before, confidentCheck, clock).ConfigureAwait(false);
    }

    private static async Task<SelfLabelingOutcome> TrainAsync(StageContext run, ClusteringOutcome clustering, NeighborSet neighbors,
        ScanPredictions before, IReadOnlyList<HealthCheck> confidentCheck, Stopwatch clock)
    {
        var o = run.Options;
        var model = clustering.Model.Model;
        var weak = AugmentationRecipes.Weak(run.Normalization, o.Augmentation.Weak);
        var labeler = new SelfLabelingTrainer(o.SelfLabeling, weak, clustering.Strong, run.Device, o.Seed, run.Logger);
        // Self-labelling can pull every sample into the few clusters that were confident first, or drift away from
        // the neighbourhoods SCAN learnt while growing more confident. The judge reads each epoch without labels and
        // keeps the best one, the clustering model included (SelfLabelingJudge says how).
        string? checkpoint = run.Runs?.CheckpointPath(ScanStage.SelfLabeling);
        using var judge = new SelfLabelingJudge(run, model, neighbors, before, checkpoint is null ? null : Path.ChangeExtension(checkpoint, ".judge"));
        labeler.AfterEpoch = judge.Judge;
        var result = await labeler.TrainAsync(model.Network, run.Dataset, checkpoint, run.Progress, run.Cancellation).ConfigureAwait(false);
        var last = judge.Epochs[^1];
        judge.RestoreBest();
        var kept = judge.Epochs[judge.BestEpoch];
        bool reverted = judge.BestEpoch == 0;
        if (reverted)
            run.Logger?.LogWarning("Self-labelling did not improve on the clustering model by the label-free rule (clustering model: {Before}, last epoch: {After}; size entropy {SpreadBefore:F3} -> {SpreadAfter:F3}); the clustering model is kept.",
                SelfLabelingJudge.DescribePairs(judge.Epochs[0]), SelfLabelingJudge.DescribePairs(last), judge.Epochs[0].ClusterSpread, last.ClusterSpread);
        else if (judge.BestEpoch != last.Epoch)
            run.Logger?.LogInformation("Self-labelling keeps epoch {Epoch} of {Epochs}, the best by the label-free rule.", judge.BestEpoch, last.Epoch);
        Save(run, model);
        // The judge predicted every epoch: the kept epoch's predictions are the final ones, no further pass.
        var report = run.Finish(new SelfLabelingStageReport
        {
            Stage = ScanStage.SelfLabeling, Seconds = clock.Elapsed.TotalSeconds, History = result.History,
            ConfidentLastEpoch = result.ConfidentPerEpoch.Count > 0 ? result.ConfidentPerEpoch[^1] : 0,
            ClusterSpreadBefore = judge.Epochs[0].ClusterSpread, ClusterSpreadAfter = kept.ClusterSpread, Reverted = reverted,
            KeptEpoch = judge.BestEpoch, Epochs = judge.Epochs,
            AccuracyBeforeRevert = judge.BestEpoch != last.Epoch ? last.Accuracy : null,
            Evaluation = run.Evaluate(judge.BestPredictions),
            Health = confidentCheck,
        });
        return new SelfLabelingOutcome(new PredictedModel(model, judge.BestPredictions), report);
    }

    private static void Save(StageContext run, ScanModel model)
    {
        if (run.Runs is { } runs)
            model.Save(runs.ModelPath(ScanStage.SelfLabeling));
    }
}
