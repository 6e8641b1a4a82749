namespace Scan.Core.Evaluation;

/// <summary>The two ways of reading clusters as classes (see <see cref="ClusterMappingMethod"/>).</summary>
internal static class ClusterToClassMapping
{
    /// <summary>Marks a cluster that maps to no class.</summary>
    public const int Unmapped = -1;

    /// <summary>One-to-one matching that maximises the number of agreeing samples; -1 for unpaired clusters.</summary>
    public static int[] Hungarian(ContingencyTable table)
    {
        // Rows are clusters so the result is directly cluster -> class.
        var weights = new double[table.ClusterCount, table.ClassCount];
        for (int k = 0; k < table.ClusterCount; k++)
        {
            for (int c = 0; c < table.ClassCount; c++)
                weights[k, c] = table.Counts[c, k];
        }
        return HungarianAlgorithm.MaximumWeightAssignment(weights);
    }

    /// <summary>Each cluster to its most frequent class (lowest id on ties); -1 for empty clusters.</summary>
    public static int[] Majority(ContingencyTable table)
    {
        var mapping = new int[table.ClusterCount];
        for (int k = 0; k < table.ClusterCount; k++)
        {
            int best = Unmapped, bestCount = 0;
            for (int c = 0; c < table.ClassCount; c++)
            {
                if (table.Counts[c, k] > bestCount)
                {
                    best = c;
                    bestCount = table.Counts[c, k];
                }
            }
            mapping[k] = best;
        }
        return mapping;
    }

    /// <summary>Share of samples whose cluster maps to their own class.</summary>
    public static double Accuracy(ContingencyTable table, int[] clusterToClass)
    {
        long correct = 0;
        for (int k = 0; k < clusterToClass.Length; k++)
        {
            if (clusterToClass[k] != Unmapped)
                correct += table.Counts[clusterToClass[k], k];
        }
        return (double)correct / table.SampleCount;
    }

    /// <summary>
    /// Classes x classes: [true class, predicted class] after mapping each cluster to its class. Samples of unmapped
    /// clusters appear in no column.
    /// </summary>
    public static int[][] MatchedConfusion(ContingencyTable table, int[] clusterToClass)
    {
        var matched = new int[table.ClassCount][];
        for (int c = 0; c < table.ClassCount; c++)
        {
            matched[c] = new int[table.ClassCount];
            for (int k = 0; k < clusterToClass.Length; k++)
            {
                if (clusterToClass[k] != Unmapped)
                    matched[c][clusterToClass[k]] += table.Counts[c, k];
            }
        }
        return matched;
    }

    /// <summary>Per class: share of its samples predicted as itself; null for a class no sample has.</summary>
    public static double?[] PerClassAccuracy(ContingencyTable table, int[][] matchedConfusion)
    {
        var accuracy = new double?[table.ClassCount];
        for (int c = 0; c < table.ClassCount; c++)
        {
            if (table.ClassSizes[c] > 0)
                accuracy[c] = (double)matchedConfusion[c][c] / table.ClassSizes[c];
        }
        return accuracy;
    }
}
