namespace Scan.Core.Pipeline;

/// <summary>Which output of the pretext model the mining stage embeds the images with.</summary>
public enum MiningFeatures
{
    /// <summary>The L2-normalised output of the SimCLR projection head, as the SCAN authors mine.</summary>
    Projection = 0,

    /// <summary>The backbone's features, before the projection head (the features the clustering heads read).</summary>
    Backbone = 1,
}
