namespace Scan.Core.Clustering;

/// <summary>The views a heads-only SCAN stage embeds once and trains its heads on (<see cref="ScanClusteringOptions.FeatureCacheViews"/>).</summary>
public enum CachedViews
{
    /// <summary>The strong recipe (RandAugment and Cutout), as when the whole network is trained.</summary>
    Strong = 0,

    /// <summary>The weak recipe: flip and padded crop.</summary>
    Weak = 1,

    /// <summary>The images as they are (normalised only): every pass sees the same features.</summary>
    Unaugmented = 2,
}
