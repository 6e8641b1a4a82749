namespace Scan.Tests.Mining;

/// <summary>
/// The reference the miner is checked against: every pair's cosine similarity in double precision with plain loops,
/// the anchor excluded, sorted by similarity descending then index ascending.
/// </summary>
internal static class BruteForceNeighbors
{
    public static (int[] Indices, double[] Similarities) Compute(float[,] features, int k)
    {
        int n = features.GetLength(0), d = features.GetLength(1);
        var unit = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            double norm = 0;
            for (int j = 0; j < d; j++)
                norm += (double)features[i, j] * features[i, j];
            norm = Math.Sqrt(norm);
            for (int j = 0; j < d; j++)
                unit[i, j] = features[i, j] / norm;
        }

        var indices = new int[n * k];
        var similarities = new double[n * k];
        var order = new (double Similarity, int Index)[n - 1];
        for (int a = 0; a < n; a++)
        {
            int m = 0;
            for (int b = 0; b < n; b++)
            {
                if (b == a)
                    continue;
                double dot = 0;
                for (int j = 0; j < d; j++)
                    dot += unit[a, j] * unit[b, j];
                order[m++] = (dot, b);
            }

            Array.Sort(order, (x, y) => x.Similarity != y.Similarity ? y.Similarity.CompareTo(x.Similarity) : x.Index.CompareTo(y.Index));
            for (int t = 0; t < k; t++)
            {
                indices[a * k + t] = order[t].Index;
                similarities[a * k + t] = order[t].Similarity;
            }
        }

        return (indices, similarities);
    }
}
