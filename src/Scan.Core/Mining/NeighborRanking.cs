namespace Scan.Core.Mining;

/// <summary>
/// Turns the K + 1 best candidates of one anchor (from a top-k over its scores) into its final K neighbours:
/// similarity descending, ties broken by lower index, so that results never depend on how top-k orders equal
/// values nor on chunking.
/// </summary>
internal static class NeighborRanking
{
    /// <summary>
    /// Writes the K best of <paramref name="values"/>/<paramref name="indices"/> (K + 1 candidates, values
    /// descending, the anchor itself already excluded) into the output spans.
    /// </summary>
    /// <param name="values">K + 1 candidate similarities, descending.</param>
    /// <param name="indices">Their image indices.</param>
    /// <param name="outIndices">K neighbour indices (output).</param>
    /// <param name="outSimilarities">K similarities (output).</param>
    /// <param name="indicesEqualTo">Called only when candidates K and K + 1 tie, i.e. when more images share the
    /// K-th similarity than fit: returns every image (anchor excluded) whose similarity equals the argument, in
    /// ascending index order.</param>
    public static void Rank(
        ReadOnlySpan<float> values,
        ReadOnlySpan<long> indices,
        Span<int> outIndices,
        Span<float> outSimilarities,
        Func<float, IReadOnlyList<long>> indicesEqualTo)
    {
        int k = outIndices.Length;
        bool boundaryTie = values[k] == values[k - 1];
        float boundary = values[k - 1];
        int kept = 0;
        // Without a tie at the boundary the K best are exactly the first K candidates; with one, only those strictly
        // better than the K-th value are certain, and the rest are the lowest indices sharing that value.
        while (kept < k && (!boundaryTie || values[kept] > boundary))
        {
            outIndices[kept] = (int)indices[kept];
            outSimilarities[kept] = values[kept];
            kept++;
        }

        if (kept < k)
        {
            var tied = indicesEqualTo(boundary);
            for (int t = 0; kept < k; t++, kept++)
            {
                outIndices[kept] = (int)tied[t];
                outSimilarities[kept] = boundary;
            }
        }

        SortBySimilarityThenIndex(outIndices, outSimilarities);
    }

    /// <summary>Insertion sort (K is small, typically 20): similarity descending, then index ascending.</summary>
    internal static void SortBySimilarityThenIndex(Span<int> indices, Span<float> similarities)
    {
        for (int i = 1; i < indices.Length; i++)
        {
            int index = indices[i];
            float similarity = similarities[i];
            int j = i - 1;
            while (j >= 0 && (similarities[j] < similarity || (similarities[j] == similarity && indices[j] > index)))
            {
                indices[j + 1] = indices[j];
                similarities[j + 1] = similarities[j];
                j--;
            }

            indices[j + 1] = index;
            similarities[j + 1] = similarity;
        }
    }
}
