using Scan.Core.Evaluation;
using Scan.Core.Inference;
using Scan.Core.Pipeline.Health;

namespace Scan.Core.Pipeline;

/// <summary>The outcome of <see cref="ScanPipeline.RunAsync"/>.</summary>
public sealed class ScanResult : IDisposable
{
    internal ScanResult(ScanModel model, ScanPredictions predictions, IReadOnlyList<StageReport> stages,
        ClusteringReport? evaluation, IReadOnlyList<IReadOnlyList<int>> prototypes)
    {
        Model = model;
        Predictions = predictions;
        Stages = stages;
        Evaluation = evaluation;
        Prototypes = prototypes;
    }

    /// <summary>The trained classifier (dispose it, or this result, when done).</summary>
    public ScanModel Model { get; }

    /// <summary>Cluster, confidence and probabilities of every dataset image.</summary>
    public ScanPredictions Predictions { get; }

    /// <summary>Cluster of each image (same as <c>Predictions.Clusters</c>).</summary>
    public IReadOnlyList<int> Assignments => Predictions.Clusters;

    /// <summary>Top probability of each image.</summary>
    public IReadOnlyList<float> Confidences => Predictions.Confidences;

    /// <summary>The head that was kept (lowest SCAN loss).</summary>
    public int SelectedHead => Model.Info.SelectedHead;

    /// <summary>One report per stage, in order.</summary>
    public IReadOnlyList<StageReport> Stages { get; }

    /// <summary>The mining stage's report: K and, with labels, the neighbours' purity.</summary>
    public MiningStageReport? Mining => Stages.OfType<MiningStageReport>().FirstOrDefault();

    /// <summary>The clustering stage's report: the kept head and every head's loss; null when it was loaded from a
    /// run directory written before typed reports (format 1 without the "report" member).</summary>
    public ClusteringStageReport? Clustering => Stages.OfType<ClusteringStageReport>().FirstOrDefault();

    /// <summary>The self-labelling stage's report; null when the stage was off (or loaded from an older run directory).</summary>
    public SelfLabelingStageReport? SelfLabeling => Stages.OfType<SelfLabelingStageReport>().FirstOrDefault();

    /// <summary>Every stage's label-free health checks, in stage order.</summary>
    public IReadOnlyList<HealthCheck> Health => Stages.SelectMany(s => s.Health).ToList();

    /// <summary>
    /// True when the final partition is still degenerate after the pipeline's remedies (an empty cluster, or a
    /// cluster-size entropy far below ln K), or the pretext features failed the neighbour-agreement check. Read
    /// <see cref="Health"/> for which check failed and why; such a result should not be trusted.
    /// </summary>
    public bool IsDegenerate => Health.Any(h => h.Status == HealthStatus.Failed &&
        h.Kind == HealthCheckKind.NeighborAgreement) || FinalPartitionFailed;

    private bool FinalPartitionFailed =>
        Stages.LastOrDefault(s => s.Health.Any(h => h.Kind == HealthCheckKind.ClusterSizes)) is { } last &&
        last.Health.Any(h => h.Status == HealthStatus.Failed &&
                             h.Kind is HealthCheckKind.ClusterSizes or HealthCheckKind.ClusterSizeEntropy);

    /// <summary>Metrics of the final assignments against the dataset labels, when it has labels.</summary>
    public ClusteringReport? Evaluation { get; }

    /// <summary>Per cluster, the indices of its most confident images (a human check of what each cluster is).</summary>
    public IReadOnlyList<IReadOnlyList<int>> Prototypes { get; }

    /// <summary>
    /// k-means with K clusters (3 initialisations) on the L2-normalised pretext features the neighbours were mined
    /// from: the baseline the <see cref="HealthCheckKind.KMeansComparison"/> check compares against, for callers who
    /// want the partition itself. Null when the mining stage was loaded from a run directory or supplied.
    /// </summary>
    public IReadOnlyList<int>? PretextKMeansAssignments { get; init; }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
