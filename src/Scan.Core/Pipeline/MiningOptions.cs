using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Pipeline;

/// <summary>Settings of the mining stage.</summary>
public sealed class MiningOptions
{
    /// <summary>K, the neighbours mined per image (20 in the authors' configs; their summary says 5).</summary>
    [Range(1, 10_000, ErrorMessage = "NumNeighbors must be in [{1}, {2}].")]
    public int NumNeighbors { get; set; } = 20;

    /// <summary>Images per forward pass while embedding the dataset.</summary>
    [Range(1, 1 << 20, ErrorMessage = "Mining BatchSize must be in [{1}, {2}].")]
    public int BatchSize { get; set; } = 512;
}
