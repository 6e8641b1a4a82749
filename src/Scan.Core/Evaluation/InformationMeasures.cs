namespace Scan.Core.Evaluation;

/// <summary>
/// Normalized mutual information and the adjusted Rand index of a contingency table, with the definitions and limit
/// cases of scikit-learn's <c>normalized_mutual_info_score</c> (arithmetic normalisation, its default) and
/// <c>adjusted_rand_score</c>, so numbers reported here compare with numbers reported by Python code.
/// </summary>
internal static class InformationMeasures
{
    /// <summary>
    /// NMI = I(Y; K) / ((H(Y) + H(K)) / 2), natural logarithms. Limit cases as scikit-learn: 1 when both the classes
    /// and the clusters have a single non-empty value (nothing is split, a perfect match); otherwise 0 when the mutual
    /// information is 0 (including one side having a single value).
    /// </summary>
    public static double NormalizedMutualInformation(ContingencyTable table)
    {
        int presentClasses = table.ClassSizes.Count(size => size > 0);
        int presentClusters = table.ClusterSizes.Count(size => size > 0);
        if (presentClasses == 1 && presentClusters == 1)
            return 1.0;

        double mutualInformation = MutualInformation(table, presentClasses, presentClusters);
        if (mutualInformation == 0.0)
            return 0.0;

        double normalizer = (Entropy(table.ClassSizes, table.SampleCount) + Entropy(table.ClusterSizes, table.SampleCount)) / 2.0;
        return mutualInformation / normalizer;
    }

    /// <summary>
    /// ARI from the pair-confusion counts (Hubert and Arabie 1985, in the pair-counting form scikit-learn uses):
    /// 2 (TP TN - FN FP) / ((TP + FN)(FN + TN) + (TP + FP)(FP + TN)), and 1 when no pair disagrees.
    /// </summary>
    public static double AdjustedRandIndex(ContingencyTable table)
    {
        // Ordered-pair counts (twice the unordered ones; the factor cancels). N^2 fits a long for any int N, but
        // the products below reach N^4 (1e20 at N = 100,000), hence Int128.
        long n = table.SampleCount;
        long sumSquares = 0, classSquares = 0, clusterSquares = 0;
        foreach (int count in table.Counts)
            sumSquares += (long)count * count;
        foreach (int size in table.ClassSizes)
            classSquares += (long)size * size;
        foreach (int size in table.ClusterSizes)
            clusterSquares += (long)size * size;

        Int128 truePositives = sumSquares - n;               // same class, same cluster
        Int128 falsePositives = clusterSquares - sumSquares; // different class, same cluster
        Int128 falseNegatives = classSquares - sumSquares;   // same class, different cluster
        Int128 trueNegatives = n * n - clusterSquares - classSquares + sumSquares;

        if (falseNegatives == 0 && falsePositives == 0)
            return 1.0;

        Int128 numerator = truePositives * trueNegatives - falseNegatives * falsePositives;
        Int128 denominator = (truePositives + falseNegatives) * (falseNegatives + trueNegatives)
            + (truePositives + falsePositives) * (falsePositives + trueNegatives);
        return 2.0 * (double)numerator / (double)denominator;
    }

    /// <summary>I(Y; K) = sum over non-empty cells of p(y, k) log(p(y, k) / (p(y) p(k))), clipped at 0.</summary>
    private static double MutualInformation(ContingencyTable table, int presentClasses, int presentClusters)
    {
        // With a single value on either side the information is exactly 0; skip the sum's rounding noise.
        if (presentClasses == 1 || presentClusters == 1)
            return 0.0;

        double n = table.SampleCount;
        double sum = 0.0;
        for (int c = 0; c < table.ClassCount; c++)
        {
            for (int k = 0; k < table.ClusterCount; k++)
            {
                int count = table.Counts[c, k];
                if (count == 0)
                    continue;
                double expected = (double)table.ClassSizes[c] * table.ClusterSizes[k];
                sum += count / n * (Math.Log(count) + Math.Log(n) - Math.Log(expected));
            }
        }
        // Independent labellings give 0 up to rounding; information is never negative.
        return Math.Max(sum, 0.0);
    }

    /// <summary>H = -sum p log p over the non-empty groups.</summary>
    private static double Entropy(int[] groupSizes, int sampleCount)
    {
        double n = sampleCount;
        double entropy = 0.0;
        foreach (int size in groupSizes)
        {
            if (size > 0)
                entropy -= size / n * (Math.Log(size) - Math.Log(n));
        }
        return entropy;
    }
}
