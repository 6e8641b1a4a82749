using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Pipeline;

/// <summary>Settings of the mining stage.</summary>
public sealed class MiningOptions
{
    /// <summary>K, the neighbours mined per image (20 in the authors' configs; their summary says 5).</summary>
    [Range(1, 10_000, ErrorMessage = "NumNeighbors must be in [{1}, {2}].")]
    public int NumNeighbors { get; set; } = Core.Mining.NeighborMinerOptions.DefaultNumNeighbors;

    /// <summary>Images per forward pass while embedding the dataset.</summary>
    [Range(1, 1 << 20, ErrorMessage = "Mining BatchSize must be in [{1}, {2}].")]
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Weight of pixel similarity in the mined neighbourhoods, 0 (the default, the paper's mining) to 4. Above 0, the
    /// neighbours are the nearest images by <c>cos(pretext) + PixelWeight * cos(pixels)</c>, where the pixels are
    /// standardised per image and channel (so a tint, brightness or contrast of one image does not count) and centred
    /// on the dataset's mean. Why: on a few thousand images a SimCLR
    /// backbone trained for minutes finds neighbours of lower purity than the pixels themselves do (measured on
    /// Fashion-MNIST subsets and 8x8 digits), and SCAN can only be as good as its neighbours. The k-means baseline and
    /// the neighbour health check still use the pretext features alone.
    /// </summary>
    [Range(0.0, 4.0, ErrorMessage = "PixelWeight must be in [{1}, {2}].")]
    public double PixelWeight { get; set; }

    /// <summary>
    /// The features the neighbours, the neighbour-agreement check and the k-means baseline are computed on:
    /// <see cref="MiningFeatures.Projection"/> (the default, the authors' choice) or the backbone's features. With a
    /// pretrained backbone there is no projection head, and the backbone's features are used either way.
    /// </summary>
    [EnumDataType(typeof(MiningFeatures), ErrorMessage = "Mining Features must be Projection or Backbone.")]
    public MiningFeatures Features { get; set; } = MiningFeatures.Projection;
}
