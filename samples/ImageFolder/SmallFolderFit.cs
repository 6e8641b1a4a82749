namespace Scan.Samples.ImageFolder;

/// <summary>The smallest folder the sample accepts (the fitted options size everything else from the folder).</summary>
internal static class SmallFolderFit
{
    /// <summary>
    /// The fewest images we accept: two per cluster, so each cluster can have a neighbour of its own kind, and at
    /// least 8 so SimCLR's contrastive batch has negatives to learn from.
    /// </summary>
    public static int MinimumImages(int clusters) => Math.Max(8, 2 * clusters);
}
