using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Evaluation;

/// <summary>Layout of a PNG grid written by <see cref="ImageGrid"/>.</summary>
public sealed record ImageGridOptions
{
    /// <summary>Images per row (the last row may be shorter); at least 1. Default 8, as torchvision's make_grid.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Columns must be at least 1.")]
    public int Columns { get; init; } = 8;

    /// <summary>Pixels of background between images and around the grid; at least 0. Default 2, as torchvision's make_grid.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "Padding must be at least 0.")]
    public int Padding { get; init; } = 2;

    /// <summary>Integer nearest-neighbour magnification of every image; at least 1. Small images such as 28x28
    /// prototypes read better at 2 to 4.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Scale must be at least 1.")]
    public int Scale { get; init; } = 1;

    /// <summary>
    /// Optional text drawn to the left of each row, one entry per row (e.g. one row per cluster, labelled with its
    /// matched class). When set, its length must equal the number of rows.
    /// </summary>
    public IReadOnlyList<string>? RowLabels { get; init; }

    /// <summary>Font size of <see cref="RowLabels"/> in pixels; above 0. Default 12.</summary>
    [Range(0.0, float.MaxValue, MinimumIsExclusive = true, ErrorMessage = "LabelFontSize must be a finite size above 0.")]
    public float LabelFontSize { get; init; } = 12f;
}
