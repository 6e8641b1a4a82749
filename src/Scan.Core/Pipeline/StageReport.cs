using System.Text.Json.Serialization;
using Scan.Core.Clustering;
using Scan.Core.Evaluation;
using Scan.Core.Pipeline.Health;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>What one stage did: its wall time, its training history, its label-free health checks and, when the
/// dataset has labels, the clustering metrics at the end of the stage (the paper's ablation table, stage by stage).
/// The mining, clustering and self-labelling stages report a derived type with their own figures
/// (<see cref="MiningStageReport"/>, <see cref="ClusteringStageReport"/>, <see cref="SelfLabelingStageReport"/>).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "report", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FallBackToBaseType)]
[JsonDerivedType(typeof(MiningStageReport), "mining")]
[JsonDerivedType(typeof(ClusteringStageReport), "clustering")]
[JsonDerivedType(typeof(SelfLabelingStageReport), "selfLabeling")]
public record StageReport
{
    /// <summary>The stage.</summary>
    public required ScanStage Stage { get; init; }

    /// <summary>Wall time of the stage in this run (0 when it was loaded from the run directory).</summary>
    public required double Seconds { get; init; }

    /// <summary>True when the stage's output came from the run directory (or the caller) instead of being computed.</summary>
    public bool Loaded { get; init; }

    /// <summary>Per-epoch records of training stages.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = Array.Empty<EpochRecord>();

    /// <summary>
    /// The derived type's figures by name, as report.json and metrics.json have carried them since format 1 (e.g.
    /// "neighborPurity", "selectedHead", "reverted" as 1 or 0). Read the typed properties instead; this view is
    /// written for JSON readers and ignored when a report is read back.
    /// </summary>
    public virtual IReadOnlyDictionary<string, double> Figures => new Dictionary<string, double>();

    /// <summary>The label-free checks made at the end of the stage (see <see cref="Health.HealthCheck"/>).</summary>
    public IReadOnlyList<HealthCheck> Health { get; init; } = Array.Empty<HealthCheck>();

    /// <summary>Clustering metrics at the end of the stage, when labels exist and the stage assigns clusters.</summary>
    public ClusteringReport? Evaluation { get; init; }
}

/// <summary>The mining stage: K and, when the dataset has labels, how often the mined neighbours share a label.</summary>
public sealed record MiningStageReport : StageReport
{
    /// <summary>K, the neighbours mined per image.</summary>
    public int NumNeighbors { get; init; }

    /// <summary>Share of mined neighbours with their anchor's label (all K); null without labels.</summary>
    public double? NeighborPurity { get; init; }

    /// <summary>The same over the 5 nearest; null without labels or when K is below 5.</summary>
    public double? NeighborPurityTop5 { get; init; }

    /// <summary>Accuracy of a majority vote of each image's neighbours; null without labels.</summary>
    public double? KnnAccuracy { get; init; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Figures
    {
        get
        {
            var figures = new Dictionary<string, double> { ["numNeighbors"] = NumNeighbors };
            if (NeighborPurity is { } purity)
                figures["neighborPurity"] = purity;
            if (NeighborPurityTop5 is { } top5)
                figures["neighborPurityTop5"] = top5;
            if (KnnAccuracy is { } knn)
                figures["knnAccuracy"] = knn;
            return figures;
        }
    }
}

/// <summary>The SCAN clustering stage: the head that was kept and every head's loss and partition.</summary>
public sealed record ClusteringStageReport : StageReport
{
    /// <summary>The head the model uses (see <see cref="ScanClusteringResult.SelectedHead"/>).</summary>
    public int SelectedHead { get; init; }

    /// <summary>Per head, its SCAN loss over the dataset after training and its cluster sizes.</summary>
    public IReadOnlyList<HeadLoss> Heads { get; init; } = Array.Empty<HeadLoss>();

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Figures
    {
        get
        {
            var figures = new Dictionary<string, double> { ["selectedHead"] = SelectedHead };
            foreach (var head in Heads)
                figures[$"head{head.Head}Loss"] = head.Total;
            return figures;
        }
    }
}

/// <summary>The self-labelling stage: whether it trained, how many images were confident, how each epoch was judged
/// without labels, and which epoch (0: the clustering model) the stage ended with.</summary>
public sealed record SelfLabelingStageReport : StageReport
{
    /// <summary>True when too few images were confident to train on, so the clustering model was kept untrained.</summary>
    public bool Skipped { get; init; }

    /// <summary>Images above the confidence threshold before training; reported when the stage was skipped.</summary>
    public int? ConfidentBefore { get; init; }

    /// <summary>Confident images counted over the last epoch; null when the stage was skipped.</summary>
    public int? ConfidentLastEpoch { get; init; }

    /// <summary>Cluster-size entropy (nats) of the predictions before training; null when skipped.</summary>
    public double? ClusterSpreadBefore { get; init; }

    /// <summary>Cluster-size entropy (nats) of the predictions after training; null when skipped.</summary>
    public double? ClusterSpreadAfter { get; init; }

    /// <summary>True when no self-labelling epoch improved on the clustering model by the label-free rule (see
    /// <see cref="Epochs"/>), so the clustering model was restored.</summary>
    public bool Reverted { get; init; }

    /// <summary>The epoch whose weights the stage ends with: 0 for the clustering model, else the best epoch by the
    /// label-free rule; null when skipped or loaded from an older run directory.</summary>
    public int? KeptEpoch { get; init; }

    /// <summary>The label-free figures of the clustering model (epoch 0) and of every self-labelling epoch, as the
    /// stage judged them; empty when skipped.</summary>
    public IReadOnlyList<SelfLabelingEpoch> Epochs { get; init; } = [];

    /// <summary>With labels, the accuracy of the last epoch when an earlier one was kept; null otherwise.</summary>
    public double? AccuracyBeforeRevert { get; init; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Figures
    {
        get
        {
            if (Skipped)
                return new Dictionary<string, double> { ["confidentBefore"] = ConfidentBefore ?? 0, ["skipped"] = 1 };
            var figures = new Dictionary<string, double>
            {
                ["confidentLastEpoch"] = ConfidentLastEpoch ?? 0,
                ["clusterSpreadBefore"] = ClusterSpreadBefore ?? double.NaN,
                ["clusterSpreadAfter"] = ClusterSpreadAfter ?? double.NaN,
                ["reverted"] = Reverted ? 1 : 0,
            };
            if (KeptEpoch is { } kept)
                figures["keptEpoch"] = kept;
            if (AccuracyBeforeRevert is { } accuracy)
                figures["accuracyBeforeRevert"] = accuracy;
            return figures;
        }
    }
}

/// <summary>
/// One self-labelling epoch as the stage judged it, without labels: a qualifying epoch (not <see cref="LostSpread"/>)
/// that keeps more mined neighbour pairs in one cluster than every earlier one becomes the kept epoch.
/// </summary>
/// <param name="Epoch">0 for the clustering model the stage started from, then 1, 2, ….</param>
/// <param name="NeighborConsistency">Share of mined (image, neighbour) pairs predicted in one cluster; -1 when a cluster is empty.</param>
/// <param name="ClusterSpread">Entropy (nats) of the predicted cluster sizes; at most ln K.</param>
/// <param name="Confident">Clean images whose top probability passes the confidence threshold.</param>
/// <param name="LostSpread">True when <paramref name="ClusterSpread"/> fell by more than 0.5 % of ln K below epoch 0's: the
/// epoch then does not qualify, as merging clusters keeps more neighbour pairs together by itself.</param>
/// <param name="Accuracy">With labels, Hungarian accuracy, for reports only: the judge never reads it.</param>
public sealed record SelfLabelingEpoch(int Epoch, double NeighborConsistency, double ClusterSpread, int Confident,
    bool LostSpread, double? Accuracy);
