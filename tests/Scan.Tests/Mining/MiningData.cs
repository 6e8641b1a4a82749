using static TorchSharp.torch;

namespace Scan.Tests.Mining;

/// <summary>Feature sets for the miner tests, built from a seeded System.Random so that they are the same everywhere.</summary>
internal static class MiningData
{
    /// <summary>Gaussian rows with some exact duplicates (rows copied onto others), so that ties occur.</summary>
    public static float[,] GaussianWithDuplicates(int n, int d, int seed)
    {
        var random = new Random(seed);
        var x = new float[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                x[i, j] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        // Anchor 3 gets three exact copies, one at a lower and two at higher indices; 7 and 8 are a pair.
        CopyRow(x, 3, 1);
        CopyRow(x, 3, n / 2);
        CopyRow(x, 3, n - 1);
        CopyRow(x, 7, 8);
        return x;
    }

    /// <summary>
    /// Rows with exactly four non-zero entries, each +-1 (times a per-row power of two, which normalisation
    /// removes exactly): unit rows are +-0.5 in four places, so every cosine is a multiple of 0.25, computed
    /// exactly in float32 in any summation order, and most of them tie.
    /// </summary>
    public static float[,] ExactTies(int n, int d, int seed)
    {
        var random = new Random(seed);
        var x = new float[n, d];
        for (int i = 0; i < n; i++)
        {
            float scale = MathF.Pow(2, random.Next(-3, 4));
            var columns = Enumerable.Range(0, d).OrderBy(_ => random.Next()).Take(4);
            foreach (int j in columns)
                x[i, j] = random.Next(2) == 0 ? -scale : scale;
        }

        return x;
    }

    public static Tensor ToTensor(float[,] x) => tensor(x);

    private static void CopyRow(float[,] x, int from, int to)
    {
        for (int j = 0; j < x.GetLength(1); j++)
            x[to, j] = x[from, j];
    }
}
