namespace Scan.Core.Evaluation;

/// <summary>
/// Prototypes of each cluster: its most confident samples, the images SCAN shows for a human check of what a cluster
/// means (Van Gansbeke et al. 2020, https://arxiv.org/abs/2005.12320, Sec. 4, prototype figures). Needs no labels.
/// </summary>
/// <example>
/// <code>
/// // clusters[i] = argmax of the head's softmax, confidences[i] = its max probability.
/// IReadOnlyList&lt;IReadOnlyList&lt;int&gt;&gt; prototypes = ClusterPrototypes.MostConfident(clusters, confidences, samplesPerCluster: 5);
/// int[] firstClusterImages = prototypes[0].ToArray();
/// </code>
/// </example>
internal static class ClusterPrototypes
{
    /// <summary>
    /// For each cluster, the indices of its <paramref name="samplesPerCluster"/> most confident samples, by
    /// confidence descending (the lower index first on equal confidence, so the result is deterministic).
    /// </summary>
    /// <param name="clusterAssignments">Cluster id of each sample, non-negative.</param>
    /// <param name="confidences">Confidence of each sample in its assigned cluster (e.g. the max softmax probability); not NaN.</param>
    /// <param name="samplesPerCluster">How many prototypes to keep per cluster (k), at least 1.</param>
    /// <param name="numClusters">Number of clusters; null takes the largest id in <paramref name="clusterAssignments"/> + 1.</param>
    /// <returns>
    /// One list per cluster id 0 .. numClusters - 1 of sample indices; shorter than k when the cluster has fewer
    /// samples, empty for an empty cluster.
    /// </returns>
    /// <exception cref="ArgumentNullException">An input list is null.</exception>
    /// <exception cref="ArgumentException">An input list is empty, the two differ in length, or a confidence is NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="samplesPerCluster"/> or <paramref name="numClusters"/> is below 1, or a cluster id is negative
    /// or not below <paramref name="numClusters"/>.
    /// </exception>
    public static IReadOnlyList<IReadOnlyList<int>> MostConfident(
        IReadOnlyList<int> clusterAssignments,
        IReadOnlyList<float> confidences,
        int samplesPerCluster,
        int? numClusters = null)
    {
        EvaluationArguments.RequireNonEmpty(clusterAssignments, nameof(clusterAssignments));
        EvaluationArguments.RequireNonEmpty(confidences, nameof(confidences));
        EvaluationArguments.RequireSameLength(clusterAssignments, nameof(clusterAssignments), confidences, nameof(confidences));
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerCluster, 1);
        int clusterCount = EvaluationArguments.CountIds(clusterAssignments, nameof(clusterAssignments), numClusters, nameof(numClusters));
        for (int i = 0; i < confidences.Count; i++)
        {
            if (float.IsNaN(confidences[i]))
                throw new ArgumentException($"confidences[{i}] is NaN; every confidence must be a number.", nameof(confidences));
        }

        var members = new List<int>[clusterCount];
        for (int k = 0; k < clusterCount; k++)
            members[k] = [];
        for (int i = 0; i < clusterAssignments.Count; i++)
            members[clusterAssignments[i]].Add(i);

        var prototypes = new IReadOnlyList<int>[clusterCount];
        for (int k = 0; k < clusterCount; k++)
        {
            List<int> cluster = members[k];
            cluster.Sort((a, b) =>
            {
                int byConfidence = confidences[b].CompareTo(confidences[a]);
                return byConfidence != 0 ? byConfidence : a.CompareTo(b);
            });
            prototypes[k] = cluster.Take(samplesPerCluster).ToArray();
        }
        return prototypes;
    }
}
