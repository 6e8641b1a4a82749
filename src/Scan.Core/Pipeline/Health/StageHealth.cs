using Scan.Augment;
using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline.Health;

/// <summary>
/// The label-free checks the pipeline makes at its stage boundaries, one method per check, each returning a typed
/// <see cref="HealthCheck"/>. The bounds are written here once; the remedies are applied by the stage that owns them.
/// </summary>
internal static class StageHealth
{
    /// <summary>The SimCLR loss must fall by at least this share of its first-epoch value. A backbone that learns
    /// nothing stays near ln(2B - 1); every run in BENCHMARKS.md fell by 40-65 %.</summary>
    internal const double MinPretextLossReduction = 0.10;

    /// <summary>Neighbour agreement below this multiple of chance, (K + 1) / N, fails; below twice it warns.</summary>
    internal const double MinAgreementOverChance = 2.0;

    /// <summary>Images the neighbour-agreement check embeds (evenly spaced over the dataset).</summary>
    internal const int AgreementSample = 512;

    /// <summary>Self-labelling needs at least this many confident images per cluster on average to train.</summary>
    internal const double MinConfidentPerCluster = 5.0;

    internal static HealthCheck? PretextLoss(IReadOnlyList<EpochRecord> history)
    {
        var losses = history.Where(r => r.Metrics.ContainsKey("loss")).Select(r => r.Metrics["loss"]).ToList();
        if (losses.Count < 2)
            return null;
        double first = losses[0], last = losses[^1];
        double reduction = first > 0 ? (first - last) / first : 0;
        bool ok = reduction >= MinPretextLossReduction;
        return new HealthCheck(HealthCheckKind.PretextLossReduction, ok ? HealthStatus.Passed : HealthStatus.Warning,
            reduction, MinPretextLossReduction,
            ok ? $"The SimCLR loss fell from {first:F3} to {last:F3}."
               : $"The SimCLR loss fell only from {first:F3} to {last:F3} ({reduction:P0}): the pretext stage learnt " +
                 "little; a longer budget (more optimizer steps) or a smaller backbone may help.");
    }

    /// <summary>
    /// Share of sampled images whose augmented view's nearest clean embedding is the image itself or one of its mined
    /// neighbours. Features that ignore the image (a collapsed backbone) score chance, (K + 1) / N.
    /// </summary>
    internal static HealthCheck NeighborAgreement(IImageDataset dataset, Tensor cleanFeatures, NeighborSet neighbors,
        Func<Tensor, Tensor> encoder, IAugmentation views, Device device, ulong seed, CancellationToken ct)
    {
        int n = dataset.Count, m = Math.Min(AgreementSample, n);
        var picks = Enumerable.Range(0, m).Select(i => (int)((long)i * n / m)).ToArray();
        using var scope = NewDisposeScope();
        using var augmented = FeatureExtractor.Embed(dataset.Subset(picks), encoder,
            new FeatureExtractorOptions { Preprocessing = views, Seed = seed ^ 0x5eed, Device = device }, null, ct);
        var clean = nn.functional.normalize(cleanFeatures.to(float32), dim: 1);
        var query = nn.functional.normalize(augmented.to(clean.device).to(float32), dim: 1);
        var (values, indices) = query.matmul(clean.t()).topk(Math.Min(2, n), dim: 1);
        var top = values.cpu().data<float>().ToArray();
        var nearest = indices.cpu().data<long>().ToArray();
        int width = (int)values.shape[1], hits = 0;
        for (int i = 0; i < m; i++)
        {
            int found = (int)nearest[i * width];
            // A tie is no evidence: features that ignore the image tie every similarity, and the index that
            // wins a tie (often the first image, which is also everyone's mined "neighbour") says nothing.
            bool tied = width > 1 && top[i * width] - top[i * width + 1] <= 1e-6f;
            if (!tied && (found == picks[i] || neighbors.GetIndices(picks[i]).Contains(found)))
                hits++;
        }
        double agreement = (double)hits / m;
        double chance = Math.Min(1.0, (neighbors.NumNeighbors + 1.0) / n);
        double bound = Math.Min(MinAgreementOverChance * chance, 0.5 + 0.5 * chance);
        var status = agreement >= 2 * bound ? HealthStatus.Passed
            : agreement >= bound ? HealthStatus.Warning : HealthStatus.Failed;
        return new HealthCheck(HealthCheckKind.NeighborAgreement, status, agreement, bound,
            status == HealthStatus.Passed
                ? $"{agreement:P0} of augmented views land on their image or its neighbours (chance {chance:P1})."
                : $"Only {agreement:P1} of augmented views land on their image or its neighbours (chance {chance:P1}): " +
                  "the pretext features barely tell images apart, so the mined neighbours are close to random.");
    }

    /// <summary>The kept head's partition: an empty or tiny cluster, and its size entropy against ln K.</summary>
    internal static IEnumerable<HealthCheck> Partition(IReadOnlyList<int> sizes, string? remedy)
    {
        int k = sizes.Count;
        long n = sizes.Sum(s => (long)s);
        double even = (double)n / k;
        int smallest = sizes.Min(), empty = sizes.Count(s => s == 0);
        var sizeStatus = empty > 0 ? HealthStatus.Failed
            : smallest < ClusterHealth.TinyClusterShare * even ? HealthStatus.Warning : HealthStatus.Passed;
        yield return new HealthCheck(HealthCheckKind.ClusterSizes, sizeStatus, smallest, ClusterHealth.TinyClusterShare * even,
            empty > 0 ? $"{empty} of {k} clusters are empty."
            : sizeStatus == HealthStatus.Warning ? $"The smallest cluster holds {smallest} images, under a tenth of an even share ({even:F0})."
            : $"The smallest cluster holds {smallest} images (an even share is {even:F0}).",
            sizeStatus == HealthStatus.Passed ? null : remedy);

        double entropy = ClusterHealth.SizeEntropy(sizes), max = Math.Log(k);
        bool balanced = entropy >= ClusterHealth.MinSizeEntropyRatio * max;
        yield return new HealthCheck(HealthCheckKind.ClusterSizeEntropy, balanced ? HealthStatus.Passed : HealthStatus.Failed,
            entropy, ClusterHealth.MinSizeEntropyRatio * max,
            balanced ? $"Cluster-size entropy {entropy:F3} of at most ln {k} = {max:F3}."
                     : $"Cluster-size entropy {entropy:F3} is far below ln {k} = {max:F3}: a few clusters hold most images.",
            balanced ? null : remedy);
    }

    /// <summary>How many images self-labelling could learn from; below the bound the stage is skipped.</summary>
    internal static HealthCheck Confident(int confident, int clusters, double threshold)
    {
        double bound = MinConfidentPerCluster * clusters;
        bool ok = confident >= bound;
        return new HealthCheck(HealthCheckKind.ConfidentSamples, ok ? HealthStatus.Passed : HealthStatus.Warning,
            confident, bound,
            ok ? $"{confident} images pass the confidence threshold {threshold}."
               : $"Only {confident} images pass the confidence threshold {threshold} (at least {bound:F0} are needed).",
            ok ? null : "Self-labelling was skipped; the clustering model is kept unchanged.");
    }

    /// <summary>The final partition against k-means on the same pretext features, by <see cref="NeighborConsistency"/>.</summary>
    internal static HealthCheck AgainstKMeans(IReadOnlyList<int> scan, IReadOnlyList<int> kMeans, NeighborSet neighbors, int clusters)
    {
        double ours = NeighborConsistency(scan, neighbors, clusters), theirs = NeighborConsistency(kMeans, neighbors, clusters);
        bool better = ours >= theirs;
        return new HealthCheck(HealthCheckKind.KMeansComparison, better ? HealthStatus.Passed : HealthStatus.Warning, ours, theirs,
            better ? $"The SCAN partition keeps {ours:P1} of mined neighbour pairs together; k-means on the same features {theirs:P1}."
                   : $"k-means on the same pretext features keeps more mined neighbour pairs together ({theirs:P1}) than the SCAN partition ({ours:P1}) (-1 marks a partition with an empty cluster).");
    }

    /// <summary>
    /// Share of (anchor, neighbour) pairs that a partition puts in one cluster: SCAN's own objective, read on hard
    /// assignments. A partition with an empty cluster scores -1 so it never wins.
    /// </summary>
    internal static double NeighborConsistency(IReadOnlyList<int> assignments, NeighborSet neighbors, int clusters)
    {
        if (ClusterHealth.Sizes(assignments, clusters).Any(s => s == 0))
            return -1;
        long same = 0, all = 0;
        for (int i = 0; i < neighbors.Count; i++)
        {
            foreach (int j in neighbors.GetIndices(i))
            {
                if (assignments[i] == assignments[j])
                    same++;
                all++;
            }
        }
        return all == 0 ? 0 : (double)same / all;
    }
}
