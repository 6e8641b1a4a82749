namespace Scan.Core.Inference;

/// <summary>Predictions of a <see cref="ScanModel"/> for a batch of images.</summary>
/// <param name="Clusters">Predicted cluster per image.</param>
/// <param name="Confidences">Top softmax probability per image.</param>
/// <param name="Probabilities">Softmax over the clusters, row-major (images x clusters).</param>
/// <param name="ClusterCount">Number of clusters (row length of <paramref name="Probabilities"/>).</param>
/// <param name="ClusterNames">The model's name of each cluster (<see cref="ScanModelInfo.ClusterNames"/>), or null
/// when its clusters are unnamed.</param>
public sealed record ScanPredictions(int[] Clusters, float[] Confidences, float[] Probabilities, int ClusterCount,
    IReadOnlyList<string>? ClusterNames = null)
{
    /// <summary>Probability of <paramref name="cluster"/> for image <paramref name="image"/>.</summary>
    public float Probability(int image, int cluster) => Probabilities[image * ClusterCount + cluster];

    /// <summary>The name of the cluster predicted for image <paramref name="image"/>, or null when the clusters are unnamed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="image"/> is not an index of <see cref="Clusters"/>.</exception>
    public string? NameOf(int image)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(image);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(image, Clusters.Length);
        return ClusterNames?[Clusters[image]];
    }

    /// <summary>The predicted cluster's name for every image, in image order, or null when the clusters are unnamed.</summary>
    public IReadOnlyList<string>? Names => ClusterNames is { } names ? Clusters.Select(c => names[c]).ToArray() : null;
}
