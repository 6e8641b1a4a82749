using Scan.Core.Training;

namespace Scan.Core.Clustering;

/// <summary>What the SCAN stage produced besides the trained model.</summary>
/// <param name="History">Epoch records; metrics "loss" (sum over heads), "consistency", "entropy" (means over heads).</param>
/// <param name="HeadLosses">Per head, its total SCAN loss over the whole dataset after training (un-augmented images, all neighbours).</param>
/// <param name="SelectedHead">Among heads whose partition is not degenerate, the one with the lowest loss on the common
/// scale (<see cref="HeadLoss.Comparable"/>); the least degenerate head when all are. Now the model's <c>SelectedHead</c>.</param>
public sealed record ScanClusteringResult(IReadOnlyList<EpochRecord> History, IReadOnlyList<HeadLoss> HeadLosses, int SelectedHead)
{
    /// <summary>The selected head's predictions of every image on the evaluation view, from the same pass that measured
    /// the heads' losses: what <see cref="Inference.ScanModel.Predict(Data.IImageDataset, int)"/> returns for the
    /// trained model when the evaluation view is the model's normalisation, so the pipeline does not run the model
    /// over the dataset a second time. Null when the trainer did not compute them.</summary>
    internal Inference.ScanPredictions? Predictions { get; init; }
}

/// <summary>One head's SCAN loss over the dataset.</summary>
/// <param name="Head">Head index.</param>
/// <param name="Total">Consistency - λ·entropy, with the λ this head trained with.</param>
/// <param name="Consistency">Mean -log&lt;p(x), p(neighbour)&gt; over all anchor-neighbour pairs.</param>
/// <param name="Entropy">Entropy of the mean cluster distribution.</param>
public sealed record HeadLoss(int Head, double Total, double Consistency, double Entropy)
{
    /// <summary>The λ this head trained with.</summary>
    public double EntropyWeight { get; init; }

    /// <summary>Consistency - λ·entropy with the options' <see cref="ScanClusteringOptions.EntropyWeight"/>: one
    /// scale for heads trained with different λ values.</summary>
    public double Comparable { get; init; }

    /// <summary>Images per cluster when every image goes to its most probable cluster (un-augmented).</summary>
    public IReadOnlyList<int> ClusterSizes { get; init; } = Array.Empty<int>();

    /// <summary>Entropy (nats) of <see cref="ClusterSizes"/> as a distribution; ln K when balanced.</summary>
    public double SizeEntropy { get; init; }

    /// <summary>True when the partition has an empty cluster or a size entropy below
    /// 0.75·ln K (an entropy that still admits a 10:1 class imbalance over 10 clusters): such a head is only kept when every head is.</summary>
    public bool Degenerate { get; init; }
}

/// <summary>The label-free rule that tells a degenerate partition from a usable one.</summary>
internal static class ClusterHealth
{
    /// <summary>A partition whose cluster-size entropy is below this share of ln K is degenerate. 0.75 still admits a
    /// 10:1 class imbalance over 10 clusters (entropy ≈ 0.85·ln 10) and rejects a partition with 7 of 10 clusters
    /// holding almost nothing.</summary>
    public const double MinSizeEntropyRatio = 0.75;

    /// <summary>A cluster smaller than this share of the even size N / K is reported as tiny (a warning).</summary>
    public const double TinyClusterShare = 0.1;

    /// <summary>Entropy (nats) of the cluster sizes as a distribution.</summary>
    public static double SizeEntropy(IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        double n = sizes.Sum(s => (double)s);
        return n <= 0 ? 0 : -sizes.Where(s => s > 0).Sum(s => s / n * Math.Log(s / n));
    }

    /// <summary>Images per cluster of <paramref name="assignments"/>.</summary>
    public static int[] Sizes(IReadOnlyList<int> assignments, int clusters)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var sizes = new int[clusters];
        foreach (int c in assignments)
            sizes[c]++;
        return sizes;
    }

    /// <summary>True when <paramref name="sizes"/> has an empty cluster, or its size entropy is below
    /// <see cref="MinSizeEntropyRatio"/>·ln K.</summary>
    public static bool IsDegenerate(IReadOnlyList<int> sizes) =>
        sizes.Count > 1 && (sizes.Any(s => s == 0) || SizeEntropy(sizes) < MinSizeEntropyRatio * Math.Log(sizes.Count));
}
