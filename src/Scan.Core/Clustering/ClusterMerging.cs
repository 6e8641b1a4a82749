using Scan.Core.Models;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>
/// Overclustering then merging (<see cref="ScanClusteringOptions.Overclustering"/>): a head trained with more clusters
/// than wanted splits large or varied classes into several clusters; those are joined two at a time where the mined
/// neighbour pairs link them most per pair of images (average linkage, on the soft assignments), until the wanted
/// number is left. The merged groups may differ in size as much as the data's classes do, which SCAN's entropy term,
/// pulling every head towards clusters of equal size, does not allow on its own.
/// </summary>
internal static class ClusterMerging
{
    /// <summary>
    /// The group, in [0, <paramref name="target"/>), of each of the clusters of <paramref name="probabilities"/>
    /// (N x K' softmax outputs): clusters are joined greedily, each time the two groups whose neighbour links per
    /// pair of members, Σ p_i(a) p_j(b) over mined pairs (i, j) in both directions divided by mass(a)·mass(b), is the
    /// largest; ties go to the lowest indices. Groups are numbered by their smallest cluster.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes do not fit, or <paramref name="target"/> is not in [1, K'].</exception>
    public static int[] Groups(Tensor probabilities, Tensor neighbors, int target)
    {
        if (probabilities.dim() != 2 || neighbors.dim() != 2 || neighbors.shape[0] != probabilities.shape[0])
            throw new ArgumentException($"Expected probabilities (N, K') and neighbours (N, k), found ({string.Join(", ", probabilities.shape)}) and ({string.Join(", ", neighbors.shape)}).");
        int clusters = (int)probabilities.shape[1];
        if (target < 1 || target > clusters)
            throw new ArgumentException($"Cannot merge {clusters} clusters into {target} groups.", nameof(target));
        double[] links, mass;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var p = probabilities.to(ScalarType.Float64, CPU);
            long n = p.shape[0], k = neighbors.shape[1];
            var linked = p.index_select(0, neighbors.to(ScalarType.Int64, CPU).flatten()).view(n, k, clusters).sum(1);
            var matrix = p.t().matmul(linked);
            links = (matrix + matrix.t()).contiguous().data<double>().ToArray();
            mass = p.sum([0]).data<double>().ToArray();
        }
        var members = Enumerable.Range(0, clusters).Select(c => new List<int> { c }).ToList();
        var between = new double[clusters, clusters];
        for (int a = 0; a < clusters; a++)
            for (int b = 0; b < clusters; b++)
                between[a, b] = links[a * clusters + b];
        var alive = Enumerable.Range(0, clusters).ToList();
        while (alive.Count > target)
        {
            int bestA = -1, bestB = -1;
            double best = double.NegativeInfinity;
            for (int i = 0; i < alive.Count; i++)
            {
                for (int j = i + 1; j < alive.Count; j++)
                {
                    int a = alive[i], b = alive[j];
                    // A cluster no image falls in has no mass: it joins whichever group it links to, first.
                    double affinity = between[a, b] / Math.Max(mass[a] * mass[b], 1e-12);
                    if (affinity > best)
                    {
                        best = affinity;
                        bestA = a;
                        bestB = b;
                    }
                }
            }
            foreach (int c in alive)
            {
                between[bestA, c] += between[bestB, c];
                between[c, bestA] = between[bestA, c];
            }
            between[bestA, bestA] += between[bestB, bestB];
            mass[bestA] += mass[bestB];
            members[bestA].AddRange(members[bestB]);
            alive.Remove(bestB);
        }
        var groups = new int[clusters];
        for (int g = 0; g < alive.Count; g++)
            foreach (int c in members[alive[g]])
                groups[c] = g;
        return groups;
    }

    /// <summary>
    /// Sets head <paramref name="head"/> of <paramref name="model"/> (K outputs) so that its softmax on
    /// <paramref name="features"/> reproduces <paramref name="targets"/> (N x K, the overclustered head's probabilities
    /// summed per group): cross-entropy to the soft targets, full batch, Adam at 1e-2, from a start that already sums
    /// the members (weight: the members' mean; bias: the log-sum-exp of theirs). A linear head cannot sum softmax
    /// outputs exactly; a few hundred steps on fixed features come close.
    /// </summary>
    /// <param name="model">The model whose head is set.</param>
    /// <param name="head">Which head.</param>
    /// <param name="features">What the heads read, N x HeadInputDim.</param>
    /// <param name="targets">N x K merged probabilities.</param>
    /// <param name="overWeight">The overclustered head's weight, K' x HeadInputDim.</param>
    /// <param name="overBias">Its bias, K'.</param>
    /// <param name="groups">The group of each of the K' clusters (<see cref="Groups"/>).</param>
    /// <param name="steps">Optimizer steps.</param>
    public static void FitHead(ClusteringModel model, int head, Tensor features, Tensor targets,
        Tensor overWeight, Tensor overBias, int[] groups, int steps = 300)
    {
        using var scope = NewDisposeScope();
        int clusters = model.Clusters;
        var x = features.detach().to(ScalarType.Float32, CPU);
        var q = targets.detach().to(ScalarType.Float32, CPU);
        var w = overWeight.detach().to(ScalarType.Float32, CPU);
        var b = overBias.detach().to(ScalarType.Float32, CPU);
        var w0 = zeros(clusters, w.shape[1]);
        var b0 = zeros(clusters);
        using (var noGrad = no_grad())
        {
            for (int g = 0; g < clusters; g++)
            {
                var index = tensor(Enumerable.Range(0, groups.Length).Where(c => groups[c] == g).Select(c => (long)c).ToArray());
                w0[g] = w.index_select(0, index).mean([0]);
                b0[g] = b.index_select(0, index).logsumexp(0);
            }
        }
        var weight = new TorchSharp.Modules.Parameter(w0);
        var bias = new TorchSharp.Modules.Parameter(b0);
        using var optimizer = optim.Adam(new[] { weight, bias }, 1e-2);
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = -(q * nn.functional.log_softmax(x.matmul(weight.t()) + bias, 1)).sum(1).mean();
            loss.backward();
            optimizer.step();
        }
        model.InitializeHead(head, weight.detach(), bias.detach());
    }
}
