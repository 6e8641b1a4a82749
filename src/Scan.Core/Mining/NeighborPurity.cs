namespace Scan.Core.Mining;

/// <summary>
/// Neighbour purity: the fraction of (anchor, neighbour) pairs whose ground-truth labels agree. The SCAN authors
/// report it after mining as a check of the pretext features; labels are never used for training.
/// </summary>
internal static class NeighborPurity
{
    /// <summary>
    /// Purity over the first <paramref name="topK"/> neighbours of every anchor (all K when null), so that purity
    /// at 5, 20 and 50 can be read from one set mined with K = 50.
    /// </summary>
    /// <param name="neighbors">The mined neighbours.</param>
    /// <param name="labels">Ground-truth label of every image (length N).</param>
    /// <param name="topK">Neighbours counted per anchor, in [1, K]; null for all K.</param>
    /// <returns>Matching pairs / (N x topK), in [0, 1].</returns>
    /// <exception cref="ArgumentException"><paramref name="labels"/> does not have one label per anchor.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is not in [1, K].</exception>
    public static double Compute(NeighborSet neighbors, IReadOnlyList<int> labels, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != neighbors.Count)
            throw new ArgumentException(
                $"Expected one label per anchor ({neighbors.Count}), got {labels.Count} labels.", nameof(labels));
        int k = topK ?? neighbors.NumNeighbors;
        if (k < 1 || k > neighbors.NumNeighbors)
            throw new ArgumentOutOfRangeException(nameof(topK), topK,
                $"{nameof(topK)} must be in [1, K] = [1, {neighbors.NumNeighbors}], got {topK}.");

        long matches = 0;
        for (int anchor = 0; anchor < neighbors.Count; anchor++)
        {
            int label = labels[anchor];
            foreach (int neighbor in neighbors.GetIndices(anchor)[..k])
                if (labels[neighbor] == label)
                    matches++;
        }

        return (double)matches / ((long)neighbors.Count * k);
    }
}
