namespace Scan.Tests.Mining;

/// <summary>Compares neighbour lists, allowing, when asked, swaps among neighbours whose similarities differ by no
/// more than float32 rounding (a BLAS product may round the same pair differently in different matrix shapes).</summary>
internal static class NeighborComparison
{
    public static void ShouldMatch(ReadOnlySpan<int> actualIndices, ReadOnlySpan<float> actualSimilarities,
        int[] expectedIndices, IReadOnlyList<double> expectedSimilarities, int k, double tolerance)
    {
        for (int i = 0; i < expectedIndices.Length; i++)
            actualSimilarities[i].Should().BeApproximately((float)expectedSimilarities[i], (float)Math.Max(tolerance, 1e-6),
                "similarity {0} of anchor {1}", i % k, i / k);

        for (int row = 0; row < expectedIndices.Length / k; row++)
        {
            for (int t = 0; t < k; t++)
            {
                int at = row * k + t, actual = actualIndices[at];
                if (actual == expectedIndices[at])
                    continue;
                tolerance.Should().BeGreaterThan(0, "anchor {0}, position {1}: expected {2}, got {3}", row, t, expectedIndices[at], actual);
                int found = Array.IndexOf(expectedIndices, actual, row * k, k);
                double similarity = actualSimilarities[at];
                bool tiedSwap = found >= 0 && Math.Abs(expectedSimilarities[found] - similarity) <= tolerance;
                bool boundaryTie = found < 0 && Math.Abs(expectedSimilarities[row * k + k - 1] - similarity) <= tolerance;
                (tiedSwap || boundaryTie).Should().BeTrue(
                    "anchor {0}, position {1}: {2} (similarity {3}) may replace {4} only within a near-tie", row, t, actual, similarity, expectedIndices[at]);
            }
        }
    }
}
