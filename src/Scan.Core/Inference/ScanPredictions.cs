namespace Scan.Core.Inference;

/// <summary>Predictions of a <see cref="ScanModel"/> for a batch of images.</summary>
/// <param name="Clusters">Predicted cluster per image.</param>
/// <param name="Confidences">Top softmax probability per image.</param>
/// <param name="Probabilities">Softmax over the clusters, row-major (images x clusters).</param>
/// <param name="ClusterCount">Number of clusters (row length of <paramref name="Probabilities"/>).</param>
public sealed record ScanPredictions(int[] Clusters, float[] Confidences, float[] Probabilities, int ClusterCount)
{
    /// <summary>Probability of <paramref name="cluster"/> for image <paramref name="image"/>.</summary>
    public float Probability(int image, int cluster) => Probabilities[image * ClusterCount + cluster];
}
