namespace Scan.Cli.Report;

/// <summary>
/// The first two principal components of a feature matrix, for the report's map: the covariance (D × D, in double)
/// and power iteration with deflation. D is the projection size (128 by default), so this takes well under a second
/// even for tens of thousands of rows, and needs no library.
/// </summary>
internal static class Pca
{
    /// <summary>Each row's coordinates on the first two components, (x, y) per row. Signs are fixed so the
    /// largest loading of each component is positive, which makes the map the same from run to run.</summary>
    public static (float X, float Y)[] Project2D(float[] values, int rows, int columns)
    {
        var mean = new double[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                mean[j] += values[i * columns + j];
        for (int j = 0; j < columns; j++)
            mean[j] /= Math.Max(1, rows);

        var covariance = new double[columns, columns];
        var centred = new double[columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                centred[j] = values[i * columns + j] - mean[j];
            for (int a = 0; a < columns; a++)
            {
                double ca = centred[a];
                if (ca == 0)
                    continue;
                for (int b = a; b < columns; b++)
                    covariance[a, b] += ca * centred[b];
            }
        }
        for (int a = 0; a < columns; a++)
            for (int b = 0; b < a; b++)
                covariance[a, b] = covariance[b, a];

        var first = TopEigenvector(covariance, columns);
        double lambda = RayleighQuotient(covariance, first, columns);
        for (int a = 0; a < columns; a++)
            for (int b = 0; b < columns; b++)
                covariance[a, b] -= lambda * first[a] * first[b];
        var second = TopEigenvector(covariance, columns);

        var points = new (float, float)[rows];
        for (int i = 0; i < rows; i++)
        {
            double x = 0, y = 0;
            for (int j = 0; j < columns; j++)
            {
                double c = values[i * columns + j] - mean[j];
                x += c * first[j];
                y += c * second[j];
            }
            points[i] = ((float)x, (float)y);
        }
        return points;
    }

    private static double[] TopEigenvector(double[,] matrix, int n)
    {
        // A fixed, uneven start so the iteration is deterministic and unlikely to be orthogonal to the answer.
        var v = Enumerable.Range(0, n).Select(i => 1.0 + 0.01 * (i % 7)).ToArray();
        Normalise(v);
        var next = new double[n];
        for (int iteration = 0; iteration < 500; iteration++)
        {
            for (int a = 0; a < n; a++)
            {
                double sum = 0;
                for (int b = 0; b < n; b++)
                    sum += matrix[a, b] * v[b];
                next[a] = sum;
            }
            if (!Normalise(next))
                break;
            double change = 0;
            for (int a = 0; a < n; a++)
                change = Math.Max(change, Math.Abs(next[a] - v[a]));
            Array.Copy(next, v, n);
            if (change < 1e-10)
                break;
        }
        int largest = 0;
        for (int a = 1; a < n; a++)
            if (Math.Abs(v[a]) > Math.Abs(v[largest]))
                largest = a;
        if (v[largest] < 0)
            for (int a = 0; a < n; a++)
                v[a] = -v[a];
        return v;
    }

    private static double RayleighQuotient(double[,] matrix, double[] v, int n)
    {
        double sum = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                sum += v[a] * matrix[a, b] * v[b];
        return sum;
    }

    private static bool Normalise(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        if (!(norm > 1e-300))
            return false;
        for (int i = 0; i < v.Length; i++)
            v[i] /= norm;
        return true;
    }
}
