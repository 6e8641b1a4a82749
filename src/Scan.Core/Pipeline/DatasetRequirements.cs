namespace Scan.Core.Pipeline;

/// <summary>The checks a dataset must pass before a run starts, so a misfit fails at once instead of hours in.</summary>
internal static class DatasetRequirements
{
    /// <exception cref="ArgumentException">The dataset is too small, has an unsupported channel count, or does not
    /// fit K, a batch size, the cluster count or the supplied neighbours.</exception>
    public static void ThrowIfUnfit(ScanOptions o, Data.IImageDataset dataset, bool suppliedBackbone, Mining.NeighborSet? neighbors)
    {
        if (dataset.Count < 2)
            throw new ArgumentException($"The dataset has {dataset.Count} image(s); SCAN needs at least 2.", nameof(dataset));
        if (dataset.Channels is not (1 or 3))
            throw new ArgumentException($"Expected 1 or 3 channels, found {dataset.Channels}.", nameof(dataset));
        if (o.Mining.NumNeighbors >= dataset.Count)
            throw new ArgumentException($"NumNeighbors ({o.Mining.NumNeighbors}) must be below the dataset size ({dataset.Count}).", nameof(dataset));
        foreach (var (stage, batch) in new[] { ("Pretext", o.Pretext.BatchSize), ("Clustering", o.Clustering.BatchSize), ("SelfLabeling", o.SelfLabeling.BatchSize) })
        {
            if (batch > dataset.Count && (stage != "Pretext" || !suppliedBackbone) && (stage != "SelfLabeling" || o.SelfLabelingEnabled))
                throw new ArgumentException($"{stage} BatchSize ({batch}) is larger than the dataset ({dataset.Count} images).", nameof(dataset));
        }
        if (o.Clustering.Clusters > dataset.Count)
            throw new ArgumentException($"Clusters ({o.Clustering.Clusters}) exceeds the dataset size ({dataset.Count}).", nameof(dataset));
        if (neighbors is not null && neighbors.Count != dataset.Count)
            throw new ArgumentException($"The neighbours given cover {neighbors.Count} images, the dataset has {dataset.Count}.", nameof(dataset));
    }
}
