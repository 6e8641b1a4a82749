namespace Scan.Core.Evaluation;

/// <summary>
/// Counts of samples per (class, cluster) pair: the table every clustering metric here is computed from.
/// </summary>
internal sealed class ContingencyTable
{
    private ContingencyTable(int[,] counts, int[] classSizes, int[] clusterSizes, int sampleCount)
    {
        Counts = counts;
        ClassSizes = classSizes;
        ClusterSizes = clusterSizes;
        SampleCount = sampleCount;
    }

    /// <summary>Counts[class, cluster]: samples of that class assigned to that cluster; shape (classes, clusters).</summary>
    public int[,] Counts { get; }

    /// <summary>Row sums: samples per ground-truth class.</summary>
    public int[] ClassSizes { get; }

    /// <summary>Column sums: samples per cluster.</summary>
    public int[] ClusterSizes { get; }

    /// <summary>Total number of samples.</summary>
    public int SampleCount { get; }

    /// <summary>Number of classes (rows), including classes no sample has.</summary>
    public int ClassCount => Counts.GetLength(0);

    /// <summary>Number of clusters (columns), including empty clusters.</summary>
    public int ClusterCount => Counts.GetLength(1);

    /// <summary>Tabulates already validated ids: every label in [0, classCount), every cluster in [0, clusterCount).</summary>
    public static ContingencyTable Count(IReadOnlyList<int> clusterAssignments, IReadOnlyList<int> labels, int clusterCount, int classCount)
    {
        var counts = new int[classCount, clusterCount];
        var classSizes = new int[classCount];
        var clusterSizes = new int[clusterCount];
        for (int i = 0; i < labels.Count; i++)
        {
            counts[labels[i], clusterAssignments[i]]++;
            classSizes[labels[i]]++;
            clusterSizes[clusterAssignments[i]]++;
        }
        return new ContingencyTable(counts, classSizes, clusterSizes, labels.Count);
    }

    /// <summary>The counts as a jagged array (classes x clusters), the shape JSON can hold.</summary>
    public int[][] ToJagged()
    {
        var rows = new int[ClassCount][];
        for (int c = 0; c < ClassCount; c++)
        {
            rows[c] = new int[ClusterCount];
            for (int k = 0; k < ClusterCount; k++)
                rows[c][k] = Counts[c, k];
        }
        return rows;
    }
}
