namespace Scan.Core.Mining.Kernels;

/// <summary>
/// The unit rows twice, for <see cref="CosineTopKSearch"/>: padded with zero rows to whole blocks, each copy
/// feature-major within small groups so that the kernel reads it sequentially: anchor tiles of tile-rows rows (one
/// feature of a tile's anchors is that many consecutive floats, broadcast one by one) and candidate panels of one
/// vector width (one feature of a whole panel is one vector load).
/// </summary>
internal sealed class PackedRows
{
    public PackedRows(float[] unit, int n, int d, int padded, int tileRows, int width)
    {
        Dimension = d;
        AnchorTiles = Regroup(unit, n, d, padded, tileRows);
        Panels = Regroup(unit, n, d, padded, width);
    }

    /// <summary>Features per row D.</summary>
    public int Dimension { get; }

    /// <summary>Shape (padded / tile rows, D, tile rows), flattened.</summary>
    public float[] AnchorTiles { get; }

    /// <summary>Shape (padded / vector width, D, vector width), flattened.</summary>
    public float[] Panels { get; }

    /// <summary>Rows in groups of <paramref name="group"/>, feature-major within a group: (padded / group, d,
    /// group), flattened; rows from N on are zeros.</summary>
    private static float[] Regroup(float[] unit, int n, int d, int padded, int group)
    {
        var grouped = GC.AllocateUninitializedArray<float>(padded * d);
        for (int g = 0; g < padded / group; g++)
        {
            var destination = grouped.AsSpan(g * d * group, d * group);
            for (int r = 0; r < group; r++)
            {
                int row = g * group + r;
                if (row < n)
                {
                    var source = unit.AsSpan(row * d, d);
                    for (int f = 0; f < d; f++)
                        destination[f * group + r] = source[f];
                }
                else
                {
                    for (int f = 0; f < d; f++)
                        destination[f * group + r] = 0f;
                }
            }
        }

        return grouped;
    }
}
