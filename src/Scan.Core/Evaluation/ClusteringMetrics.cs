namespace Scan.Core.Evaluation;

/// <summary>
/// Scores a clustering against ground-truth labels the way SCAN reports it (Van Gansbeke et al. 2020,
/// https://arxiv.org/abs/2005.12320): accuracy after matching clusters to classes, NMI and ARI, per-class accuracy and
/// confusion matrices. Labels serve evaluation only; no SCAN stage trains on them.
/// </summary>
/// <remarks>
/// Accuracy needs clusters read as classes. When there are no more clusters than classes (K &lt;= C) the Hungarian
/// algorithm pairs them one-to-one, which is the paper's ACC. When there are more (over-clustering), a one-to-one
/// matching leaves K - C clusters wrong by construction, so each cluster is read as its majority class instead. Both
/// accuracies are always in the report; <see cref="ClusteringReport.MappingMethod"/> says which one
/// <see cref="ClusteringReport.Accuracy"/> is. NMI and ARI need no mapping. Cost: O(N + C K + max(C, K)^3).
/// </remarks>
/// <example>
/// <code>
/// ScanPredictions predictions = model.Predict(dataset);   // a ScanModel; Clusters holds one cluster id per image
/// ClusteringReport report = ClusteringMetrics.Evaluate(predictions.Clusters, dataset.Labels!, numClusters: 10, numClasses: 10);
/// Console.WriteLine($"ACC {report.Accuracy:F3} NMI {report.NormalizedMutualInformation:F3} ARI {report.AdjustedRandIndex:F3}");
/// </code>
/// </example>
public static class ClusteringMetrics
{
    /// <summary>Evaluates cluster assignments against ground-truth labels.</summary>
    /// <param name="clusterAssignments">Cluster id of each sample, non-negative.</param>
    /// <param name="labels">Ground-truth class id of each sample, non-negative; same length as <paramref name="clusterAssignments"/>.</param>
    /// <param name="numClusters">
    /// Number of clusters the model has (K), so empty clusters count; null takes the largest id in
    /// <paramref name="clusterAssignments"/> + 1.
    /// </param>
    /// <param name="numClasses">Number of classes (C); null takes the largest id in <paramref name="labels"/> + 1.</param>
    /// <returns>All metrics in one serialisable record.</returns>
    /// <exception cref="ArgumentNullException">An input list is null.</exception>
    /// <exception cref="ArgumentException">An input list is empty, or the two lists differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An id is negative or not below its declared count, or a declared count is below 1.
    /// </exception>
    public static ClusteringReport Evaluate(
        IReadOnlyList<int> clusterAssignments,
        IReadOnlyList<int> labels,
        int? numClusters = null,
        int? numClasses = null)
    {
        EvaluationArguments.RequireNonEmpty(clusterAssignments, nameof(clusterAssignments));
        EvaluationArguments.RequireNonEmpty(labels, nameof(labels));
        EvaluationArguments.RequireSameLength(clusterAssignments, nameof(clusterAssignments), labels, nameof(labels));
        int clusterCount = EvaluationArguments.CountIds(clusterAssignments, nameof(clusterAssignments), numClusters, nameof(numClusters));
        int classCount = EvaluationArguments.CountIds(labels, nameof(labels), numClasses, nameof(numClasses));

        var table = ContingencyTable.Count(clusterAssignments, labels, clusterCount, classCount);

        int[] hungarian = ClusterToClassMapping.Hungarian(table);
        int[] majority = ClusterToClassMapping.Majority(table);
        double hungarianAccuracy = ClusterToClassMapping.Accuracy(table, hungarian);
        double majorityAccuracy = ClusterToClassMapping.Accuracy(table, majority);

        bool overClustered = clusterCount > classCount;
        var method = overClustered ? ClusterMappingMethod.Majority : ClusterMappingMethod.Hungarian;
        int[] mapping = overClustered ? majority : hungarian;
        int[][] matchedConfusion = ClusterToClassMapping.MatchedConfusion(table, mapping);

        return new ClusteringReport
        {
            SampleCount = table.SampleCount,
            ClassCount = classCount,
            ClusterCount = clusterCount,
            Accuracy = overClustered ? majorityAccuracy : hungarianAccuracy,
            MappingMethod = method,
            ClusterToClass = mapping,
            HungarianAccuracy = hungarianAccuracy,
            HungarianClusterToClass = hungarian,
            MajorityAccuracy = majorityAccuracy,
            MajorityClusterToClass = majority,
            NormalizedMutualInformation = InformationMeasures.NormalizedMutualInformation(table),
            AdjustedRandIndex = InformationMeasures.AdjustedRandIndex(table),
            PerClassAccuracy = ClusterToClassMapping.PerClassAccuracy(table, matchedConfusion),
            ClassSizes = table.ClassSizes,
            ClusterSizes = table.ClusterSizes,
            ConfusionMatrix = table.ToJagged(),
            MatchedConfusionMatrix = matchedConfusion,
        };
    }
}
