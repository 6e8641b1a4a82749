using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>Settings of <see cref="KMeans"/>.</summary>
internal sealed class KMeansOptions
{
    /// <summary>Number of clusters K; must be in [1, N].</summary>
    public int Clusters { get; set; } = 10;

    /// <summary>Independent k-means++ initialisations; the run with the lowest inertia is kept.</summary>
    public int Inits { get; set; } = 10;

    /// <summary>Upper bound on Lloyd iterations per initialisation.</summary>
    public int MaxIterations { get; set; } = 300;

    /// <summary>
    /// Convergence tolerance, relative to the mean per-feature variance of the data (as in scikit-learn): a run stops
    /// when the squared shift of all centroids sums to at most <c>Tolerance * mean(var(x))</c>.
    /// </summary>
    public double Tolerance { get; set; } = 1e-4;

    /// <summary>Seed of the random draws; the same seed and data give the same result.</summary>
    public long Seed { get; set; }
}

/// <summary>Outcome of <see cref="KMeans.Fit(float[], int, int, KMeansOptions)"/>.</summary>
/// <param name="Assignments">Cluster index in [0, K) of every row.</param>
/// <param name="Centroids">The K centroids, row-major [K, D].</param>
/// <param name="Dimensions">D, the feature count of every centroid.</param>
/// <param name="Inertia">Sum of squared distances of rows to their centroid.</param>
/// <param name="Iterations">Lloyd iterations run by the kept initialisation.</param>
internal sealed record KMeansResult(int[] Assignments, float[] Centroids, int Dimensions, double Inertia, int Iterations)
{
    /// <summary>Number of clusters K.</summary>
    public int Clusters => Centroids.Length / Dimensions;

    /// <summary>Clusters that no row is assigned to.</summary>
    public int EmptyClusters
    {
        get
        {
            var used = new bool[Clusters];
            foreach (int a in Assignments)
                used[a] = true;
            return used.Count(u => !u);
        }
    }
}

/// <summary>
/// Lloyd's k-means with k-means++ seeding (greedy, 2 + ln K candidates per step, as scikit-learn), several
/// initialisations keeping the lowest inertia. Distances are computed with TorchSharp matrix products in chunks
/// of rows, so 60,000 x 784 runs in seconds. Deterministic for a given seed.
/// </summary>
internal static class KMeans
{
    private const int ChunkRows = 4096;

    /// <summary>Clusters the rows of a float tensor of shape [N, D].</summary>
    /// <param name="features">Features, shape [N, D]; converted to float32 on the CPU.</param>
    /// <param name="options">Clustering settings.</param>
    /// <exception cref="ArgumentException">The tensor is not two-dimensional or the options or data are invalid.</exception>
    public static KMeansResult Fit(Tensor features, KMeansOptions options)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2)
            throw new ArgumentException(
                $"KMeans expects features of shape [N, D]; found {features.dim()} dimensions [{string.Join(", ", features.shape)}].",
                nameof(features));
        using var scope = NewDisposeScope();
        var x = features.detach().to(ScalarType.Float32, CPU).contiguous();
        float[] data = x.data<float>().ToArray();
        return Fit(data, checked((int)features.shape[0]), checked((int)features.shape[1]), options);
    }

    /// <summary>Clusters <paramref name="rows"/> rows of <paramref name="dimensions"/> floats stored row-major.</summary>
    /// <param name="features">Row-major features, length <c>rows * dimensions</c>.</param>
    /// <param name="rows">N, the number of rows.</param>
    /// <param name="dimensions">D, the features per row.</param>
    /// <param name="options">Clustering settings.</param>
    /// <exception cref="ArgumentException">Lengths disagree, a value is not finite, or K is not in [1, N].</exception>
    public static KMeansResult Fit(float[] features, int rows, int dimensions, KMeansOptions options)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        Validate(features, rows, dimensions, options);
        int k = options.Clusters;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(features, [rows, dimensions], ScalarType.Float64);
        var xNorm = x.pow(2).sum(1);
        double tol = options.Tolerance * x.var(0, unbiased: false).mean().item<double>();
        var random = new Random(unchecked((int)(options.Seed ^ (options.Seed >> 32))));

        KMeansResult? best = null;
        for (int init = 0; init < options.Inits; init++)
        {
            using var initScope = NewDisposeScope();
            var centroids = PlusPlus(x, xNorm, k, random);
            int iterations = 0;
            Tensor labels;
            for (; ; )
            {
                (labels, _) = Assign(x, xNorm, centroids);
                iterations++;
                var updated = Update(x, labels, centroids, k);
                double shift = (updated - centroids).pow(2).sum().item<double>();
                centroids = updated;
                if (shift <= tol || iterations >= options.MaxIterations)
                    break;
            }
            (labels, var inertia) = Assign(x, xNorm, centroids);
            if (best is null || inertia < best.Inertia)
            {
                best = new KMeansResult(
                    labels.to(ScalarType.Int32).data<int>().ToArray(),
                    centroids.to(ScalarType.Float32).data<float>().ToArray(),
                    dimensions, inertia, iterations);
            }
        }
        return best!;
    }

    private static void Validate(float[] features, int rows, int dimensions, KMeansOptions options)
    {
        if (rows < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "KMeans needs at least one row.");
        if (dimensions < 1)
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "KMeans needs at least one feature per row.");
        if ((long)rows * dimensions != features.Length)
            throw new ArgumentException(
                $"KMeans features: expected rows x dimensions = {rows} x {dimensions} = {(long)rows * dimensions} values, found {features.Length}.",
                nameof(features));
        if (options.Clusters < 1 || options.Clusters > rows)
            throw new ArgumentException(
                $"KMeans Clusters must be in [1, N = {rows}]; found {options.Clusters}.", nameof(options));
        if (options.Inits < 1)
            throw new ArgumentException($"KMeans Inits must be at least 1; found {options.Inits}.", nameof(options));
        if (options.MaxIterations < 1)
            throw new ArgumentException($"KMeans MaxIterations must be at least 1; found {options.MaxIterations}.", nameof(options));
        if (!(options.Tolerance >= 0) || double.IsInfinity(options.Tolerance))
            throw new ArgumentException($"KMeans Tolerance must be finite and >= 0; found {options.Tolerance}.", nameof(options));
        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
                throw new ArgumentException(
                    $"KMeans features: row {i / dimensions}, column {i % dimensions} is {features[i]}; expected a finite value.",
                    nameof(features));
        }
    }

    /// <summary>Squared distances of rows [start, start+len) to every centroid, clamped at 0.</summary>
    private static Tensor Distances(Tensor xChunk, Tensor xNormChunk, Tensor centroids)
    {
        var cNorm = centroids.pow(2).sum(1);
        return (xNormChunk.unsqueeze(1) - 2 * xChunk.matmul(centroids.t()) + cNorm.unsqueeze(0)).clamp_min(0);
    }

    private static (Tensor Labels, double Inertia) Assign(Tensor x, Tensor xNorm, Tensor centroids)
    {
        long n = x.shape[0];
        var labels = empty(n, ScalarType.Int64);
        double inertia = 0;
        for (long start = 0; start < n; start += ChunkRows)
        {
            using var chunkScope = NewDisposeScope();
            long len = Math.Min(ChunkRows, n - start);
            var d = Distances(x.narrow(0, start, len), xNorm.narrow(0, start, len), centroids);
            var (min, arg) = d.min(1);
            labels.narrow(0, start, len).copy_(arg);
            inertia += min.sum().item<double>();
        }
        return (labels, inertia);
    }

    /// <summary>Means of the assigned rows; an empty cluster is moved to the row farthest from its centroid.</summary>
    private static Tensor Update(Tensor x, Tensor labels, Tensor centroids, int k)
    {
        long d = x.shape[1];
        var sums = zeros(k, d, ScalarType.Float64).index_add_(0, labels, x, 1.0);
        var counts = bincount(labels, minlength: k).to(ScalarType.Float64);
        var updated = sums / counts.clamp_min(1).unsqueeze(1);
        long[] countArray = counts.to(ScalarType.Int64).data<long>().ToArray();
        if (countArray.Any(c => c == 0))
        {
            // Farthest points from their current centroids take over the empty clusters (as scikit-learn).
            var own = (x - centroids.index_select(0, labels)).pow(2).sum(1);
            var order = own.argsort(descending: true).data<long>().ToArray();
            int next = 0;
            for (int c = 0; c < k; c++)
            {
                if (countArray[c] == 0)
                    updated[c] = x[order[next++]];
            }
        }
        return updated;
    }

    private static Tensor PlusPlus(Tensor x, Tensor xNorm, int k, Random random)
    {
        long n = x.shape[0];
        int trials = 2 + (int)Math.Log(k);
        var centroids = new List<Tensor> { x[random.NextInt64(n)].unsqueeze(0) };
        var closest = Distances(x, xNorm, centroids[0]).squeeze(1);
        for (int c = 1; c < k; c++)
        {
            double[] weights = closest.data<double>().ToArray();
            double total = weights.Sum();
            var candidates = new long[trials];
            for (int t = 0; t < trials; t++)
                candidates[t] = total > 0 ? Sample(weights, total * random.NextDouble()) : random.NextInt64(n);
            var candidateIndex = tensor(candidates);
            var cand = x.index_select(0, candidateIndex);
            // [N, trials] squared distances of every row to each candidate, in chunks.
            var parts = new List<Tensor>();
            for (long start = 0; start < n; start += ChunkRows)
            {
                long len = Math.Min(ChunkRows, n - start);
                parts.Add(minimum(Distances(x.narrow(0, start, len), xNorm.narrow(0, start, len), cand),
                    closest.narrow(0, start, len).unsqueeze(1)));
            }
            var withCandidate = cat(parts, 0);
            long bestTrial = withCandidate.sum(0).argmin().item<long>();
            centroids.Add(cand[bestTrial].unsqueeze(0));
            closest = withCandidate[TensorIndex.Colon, bestTrial].contiguous();
        }
        return cat(centroids, 0);
    }

    private static long Sample(double[] weights, double target)
    {
        double acc = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            acc += weights[i];
            if (acc > target)
                return i;
        }
        for (int i = weights.Length - 1; i >= 0; i--)
        {
            if (weights[i] > 0)
                return i;
        }
        return weights.Length - 1;
    }
}
