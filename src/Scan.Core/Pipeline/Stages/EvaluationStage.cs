using System.Diagnostics;
using Scan.Core.Clustering;
using Scan.Core.Evaluation;
using Scan.Core.Inference;
using Scan.Core.Pipeline.Health;
using Scan.Core.Training;

namespace Scan.Core.Pipeline.Stages;

/// <summary>The end of a run: final predictions, metrics, cluster names and prototypes, the final partition's health
/// and the comparison with k-means; the final model and metrics.json are written to the run directory.</summary>
internal static class EvaluationStage
{
    public static ScanResult Run(StageContext run, PredictedModel final, MiningOutcome mining, List<StageReport> stages)
    {
        var clock = Stopwatch.StartNew();
        var dataset = run.Dataset;
        var model = final.Model;
        var predictions = final.Predictions(dataset);
        var evaluation = run.Evaluate(predictions);
        if (evaluation is not null && dataset.ClassNames is not null)
        {
            var names = evaluation.ClusterToClass.Select(c => c >= 0 && c < dataset.ClassNames.Count ? dataset.ClassNames[c] : "?").ToArray();
            model = new ScanModel(model.Network, model.Info with { ClusterNames = names });
            predictions = predictions with { ClusterNames = names };
        }
        var prototypes = ClusterPrototypes.MostConfident(predictions.Clusters, predictions.Confidences, 10, run.Clusters);
        var health = StageHealth.Partition(ClusterHealth.Sizes(predictions.Clusters, run.Clusters), null).ToList();
        if (mining.KMeansAssignments is { } kMeans)
            health.Add(StageHealth.AgainstKMeans(predictions.Clusters, kMeans, mining.Neighbors, run.Clusters));
        stages.Add(new StageReport
        {
            Stage = ScanStage.Evaluation, Seconds = clock.Elapsed.TotalSeconds, Evaluation = evaluation, Health = run.Logged(health),
        });
        if (run.Runs is { } runs)
        {
            model.Save(runs.FinalModelPath);
            runs.WriteMetrics(stages, evaluation);
        }
        return new ScanResult(model, predictions, stages, evaluation, prototypes) { PretextKMeansAssignments = mining.KMeansAssignments };
    }
}
