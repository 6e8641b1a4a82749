using Scan.Core.Evaluation;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>What one stage did: its wall time, its training history, its headline figures and, when the dataset
/// has labels, the clustering metrics at the end of the stage (the paper's ablation table, stage by stage).</summary>
public sealed record StageReport
{
    /// <summary>The stage.</summary>
    public required ScanStage Stage { get; init; }

    /// <summary>Wall time of the stage in this run (0 when it was loaded from the run directory).</summary>
    public required double Seconds { get; init; }

    /// <summary>True when the stage's output came from the run directory instead of being computed.</summary>
    public bool Loaded { get; init; }

    /// <summary>Per-epoch records of training stages.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = Array.Empty<EpochRecord>();

    /// <summary>Headline figures, e.g. "neighborPurity", "knnAccuracy", "selectedHead", "confident".</summary>
    public IReadOnlyDictionary<string, double> Figures { get; init; } = new Dictionary<string, double>();

    /// <summary>The label-free checks made at the end of the stage (see <see cref="Health.HealthCheck"/>).</summary>
    public IReadOnlyList<Health.HealthCheck> Health { get; init; } = Array.Empty<Health.HealthCheck>();

    /// <summary>Clustering metrics at the end of the stage, when labels exist and the stage assigns clusters.</summary>
    public ClusteringReport? Evaluation { get; init; }
}
