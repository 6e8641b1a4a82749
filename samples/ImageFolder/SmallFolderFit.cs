using Scan.Core.Pipeline;

namespace Scan.Samples.ImageFolder;

/// <summary>
/// Fits the preset's batch sizes and neighbour count to a folder smaller than the preset expects, so a folder of a
/// few dozen photos runs instead of failing on "BatchSize is larger than the dataset".
/// </summary>
internal static class SmallFolderFit
{
    /// <summary>
    /// The fewest images we accept: two per cluster, so each cluster can have a neighbour of its own kind, and at
    /// least 8 so SimCLR's contrastive batch has negatives to learn from.
    /// </summary>
    public static int MinimumImages(int clusters) => Math.Max(8, 2 * clusters);

    /// <summary>Lowers every batch size and the neighbour count that exceed what <paramref name="count"/> images allow;
    /// returns one sentence per change, for the user.</summary>
    public static IReadOnlyList<string> Apply(ScanOptions options, int count)
    {
        var changes = new List<string>();
        options.Pretext.BatchSize = Lower("SimCLR batch size", options.Pretext.BatchSize, count, changes);
        options.Clustering.BatchSize = Lower("SCAN batch size", options.Clustering.BatchSize, count, changes);
        options.SelfLabeling.BatchSize = Lower("self-labelling batch size", options.SelfLabeling.BatchSize, count, changes);
        // The pipeline needs NumNeighbors below the image count (an image is not its own neighbour).
        options.Mining.NumNeighbors = Lower("neighbours per image", options.Mining.NumNeighbors, count - 1, changes);
        return changes;
    }

    private static int Lower(string what, int value, int limit, List<string> changes)
    {
        if (value <= limit)
            return value;
        changes.Add($"{what} lowered from {value} to {limit} to fit the folder");
        return limit;
    }
}
