using Microsoft.Extensions.Logging;
using Scan.Core.Models;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>
/// Starts a linear cluster head at the partition k-means finds on the features it reads, compared by angle as the
/// mining and the k-means baseline compare them: k-means on the L2-normalised features, whose nearest unit centroid
/// ĉ_k is the argmax of ĉ_k·f (the image's norm scales every logit alike), so the head gets weight ĉ_k/s and no bias.
/// The scale s sets how confident the start is: half the median gap between an image's best and second-best ĉ_k·f,
/// so a typical image begins about e² ≈ 7 times likelier in its k-means cluster than in the next one: decided, yet
/// far from the saturated softmax that would stall SCAN's gradients.
/// </summary>
internal static class KMeansHeadInitialization
{
    /// <summary>Initialises <paramref name="heads"/> of <paramref name="model"/> from k-means on <paramref name="features"/> (N x FeatureDim).</summary>
    public static void Apply(ClusteringModel model, Tensor features, IReadOnlyList<int> heads, long seed, ILogger? logger,
        CancellationToken cancellationToken)
    {
        if (heads.Count == 0)
            return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var raw = features.detach().to(ScalarType.Float32, CPU);
        var x = nn.functional.normalize(raw, dim: 1).contiguous();
        int rows = checked((int)x.shape[0]), clusters = model.Clusters, dimensions = checked((int)x.shape[1]);
        float[] unit = x.data<float>().ToArray();   // one copy for every head's k-means
        foreach (int head in heads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fit = KMeans.Fit(unit, rows, dimensions, new KMeansOptions { Clusters = clusters, Inits = 3, Seed = unchecked(seed * 7919 + head) });
            var centroids = nn.functional.normalize(tensor(fit.Centroids, new long[] { clusters, dimensions }), dim: 1);
            var best = raw.matmul(centroids.t()).topk(2, dim: 1).values;      // shape: (N, 2)
            double gap = (best[.., 0] - best[.., 1]).median().item<float>();
            double scale = Math.Max(gap / 2, 1e-6);
            var weight = centroids.div(scale);
            var bias = zeros(clusters);
            model.InitializeHead(head, weight, bias);
            logger?.LogInformation("Clustering: head {Head} starts from k-means (inertia {Inertia:F1}, {Empty} empty, scale {Scale:G3})",
                head, fit.Inertia, fit.EmptyClusters, scale);
        }
    }
}
