using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Samples.FashionMnist;

/// <summary>
/// The baseline SCAN is compared against: k-means on raw pixels (k-means++ seeding, Lloyd iterations, best of
/// several initialisations by inertia, as scikit-learn's KMeans with n_init=10).
/// </summary>
internal static class PixelKMeans
{
    public static int[] Cluster(IImageDataset dataset, int k, int initializations = 10, int maxIterations = 100, long seed = 0)
    {
        using var scope = NewDisposeScope();
        var x = dataset.GetBatch(Enumerable.Range(0, dataset.Count).ToArray()).flatten(1);   // shape: (N, D)
        var squaredNorms = x.square().sum(1, keepdim: true);                                   // shape: (N, 1)
        using var generator = new Generator((ulong)seed);
        Tensor? best = null;
        double bestInertia = double.PositiveInfinity;
        for (int init = 0; init < initializations; init++)
        {
            using var inner = NewDisposeScope();
            var centers = SeedPlusPlus(x, squaredNorms, k, generator);
            Tensor assignment = zeros(x.shape[0], dtype: int64);
            double inertia = double.PositiveInfinity;
            for (int iteration = 0; iteration < maxIterations; iteration++)
            {
                var distances = squaredNorms - 2 * x.mm(centers.t()) + centers.square().sum(1).unsqueeze(0);   // shape: (N, k)
                var (minimum, nearest) = distances.min(1);
                inertia = minimum.sum().item<float>();
                bool converged = nearest.eq(assignment).all().item<bool>();
                assignment = nearest;
                if (converged)
                    break;
                var sums = zeros(k, x.shape[1]).index_add_(0, assignment, x, 1);
                var counts = bincount(assignment, minlength: k).to(float32).unsqueeze(1);
                // An empty cluster keeps its centre.
                centers = where(counts > 0, sums / counts.clamp_min(1), centers);
            }
            if (inertia < bestInertia)
            {
                bestInertia = inertia;
                best?.Dispose();
                best = assignment.MoveToOuterDisposeScope();
            }
        }
        return best!.data<long>().ToArray().Select(v => (int)v).ToArray();
    }

    private static Tensor SeedPlusPlus(Tensor x, Tensor squaredNorms, int k, Generator generator)
    {
        long n = x.shape[0];
        var chosen = new List<long> { randint(0, n, new long[] { 1 }, generator: generator).item<long>() };
        var closest = (squaredNorms.squeeze(1) - 2 * x.mv(x[chosen[0]]) + x[chosen[0]].square().sum()).clamp_min(0);
        for (int c = 1; c < k; c++)
        {
            var probabilities = closest / closest.sum();
            long next = multinomial(probabilities, 1, generator: generator).item<long>();
            chosen.Add(next);
            var d = (squaredNorms.squeeze(1) - 2 * x.mv(x[next]) + x[next].square().sum()).clamp_min(0);
            closest = minimum(closest, d);
        }
        return x.index_select(0, tensor(chosen.ToArray()));
    }
}
