namespace Scan.Core.Evaluation;

/// <summary>
/// Everything SCAN's evaluation reports about one clustering against ground-truth labels (Van Gansbeke et al. 2020,
/// https://arxiv.org/abs/2005.12320, Sec. 4: ACC, NMI, ARI, and the confusion matrix after matching). Produced by
/// <see cref="ClusteringMetrics.Evaluate"/>; plain data that round-trips through <c>System.Text.Json</c>.
/// </summary>
/// <remarks>
/// Classes and clusters are ids 0 .. <see cref="ClassCount"/> - 1 and 0 .. <see cref="ClusterCount"/> - 1. Ids no
/// sample carries are still counted (an empty cluster is part of the model's output).
/// </remarks>
/// <example>
/// <code>
/// ClusteringReport report = ClusteringMetrics.Evaluate(clusterAssignments, labels);
/// File.WriteAllText("metrics.json", JsonSerializer.Serialize(report));
/// </code>
/// </example>
public sealed record ClusteringReport
{
    /// <summary>Number of evaluated samples.</summary>
    public required int SampleCount { get; init; }

    /// <summary>Number of ground-truth classes (C).</summary>
    public required int ClassCount { get; init; }

    /// <summary>Number of clusters (K).</summary>
    public required int ClusterCount { get; init; }

    /// <summary>
    /// The clustering accuracy (ACC): <see cref="HungarianAccuracy"/> when K &lt;= C (the paper's one-to-one ACC),
    /// <see cref="MajorityAccuracy"/> when K &gt; C (one-to-one would leave K - C clusters wrong by construction).
    /// <see cref="MappingMethod"/> says which.
    /// </summary>
    public required double Accuracy { get; init; }

    /// <summary>The mapping behind <see cref="Accuracy"/>, <see cref="ClusterToClass"/> and the matched results.</summary>
    public required ClusterMappingMethod MappingMethod { get; init; }

    /// <summary>For each cluster, the class it is read as under <see cref="MappingMethod"/>; -1 when none.</summary>
    public required IReadOnlyList<int> ClusterToClass { get; init; }

    /// <summary>Share of samples correct under the one-to-one Hungarian matching, whatever K and C are.</summary>
    public required double HungarianAccuracy { get; init; }

    /// <summary>For each cluster, its class under the Hungarian matching; -1 for clusters left unpaired when K &gt; C.</summary>
    public required IReadOnlyList<int> HungarianClusterToClass { get; init; }

    /// <summary>Share of samples correct when every cluster is read as its majority class, whatever K and C are.</summary>
    public required double MajorityAccuracy { get; init; }

    /// <summary>For each cluster, its majority class (lowest id on ties); -1 for an empty cluster.</summary>
    public required IReadOnlyList<int> MajorityClusterToClass { get; init; }

    /// <summary>
    /// Normalized mutual information with arithmetic normalisation, I(Y; K) / ((H(Y) + H(K)) / 2), as scikit-learn's
    /// default <c>normalized_mutual_info_score</c>, including its limit cases (1 when a single class meets a single
    /// cluster, 0 when the mutual information is 0).
    /// </summary>
    public required double NormalizedMutualInformation { get; init; }

    /// <summary>Adjusted Rand index, as scikit-learn's <c>adjusted_rand_score</c> (1 when no pair of samples disagrees).</summary>
    public required double AdjustedRandIndex { get; init; }

    /// <summary>
    /// For each class, the share of its samples predicted as that class under <see cref="MappingMethod"/>; null for
    /// a class no sample has.
    /// </summary>
    public required IReadOnlyList<double?> PerClassAccuracy { get; init; }

    /// <summary>Samples per class (length C).</summary>
    public required IReadOnlyList<int> ClassSizes { get; init; }

    /// <summary>Samples per cluster (length K); zeros show empty clusters.</summary>
    public required IReadOnlyList<int> ClusterSizes { get; init; }

    /// <summary>Contingency table, C x K: [class][cluster] = samples of that class assigned to that cluster.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix { get; init; }

    /// <summary>
    /// Confusion matrix after matching, C x C: [true class][predicted class], each cluster read as its class under
    /// <see cref="MappingMethod"/>. The diagonal holds the correct samples; with the Hungarian mapping and K = C it is
    /// <see cref="ConfusionMatrix"/> with its columns reordered.
    /// </summary>
    public required IReadOnlyList<IReadOnlyList<int>> MatchedConfusionMatrix { get; init; }
}
