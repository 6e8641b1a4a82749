using System.ComponentModel.DataAnnotations;
using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>Settings of <see cref="NeighborMiner"/>. Defaults follow the SCAN authors' configurations.</summary>
public sealed record NeighborMinerOptions
{
    /// <summary>K = 20 neighbours per anchor, as in the SCAN authors' configuration files for every dataset.</summary>
    public const int DefaultNumNeighbors = 20;

    /// <summary>256 MiB of similarity scores per chunk: a few hundred anchors against 70,000 images.</summary>
    public const long DefaultScoreMemoryBudgetBytes = 256L * 1024 * 1024;

    /// <summary>Neighbours kept per anchor (K); at least 1 and, when mining, below the number of images.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "NumNeighbors must be at least 1.")]
    public int NumNeighbors { get; init; } = DefaultNumNeighbors;

    /// <summary>
    /// Anchors processed together: for the chunked tensor path, the anchors whose similarities to every image are
    /// computed at once (null derives it from <see cref="ScoreMemoryBudgetBytes"/>: the largest chunk whose float32
    /// scores, chunk x N, fit the budget); for the CPU kernel, the rows per block (null: 256, rounded up to whole
    /// register tiles). The result does not depend on it; only speed and memory do.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "ChunkSize must be at least 1 (or null to derive it from the memory budget).")]
    public int? ChunkSize { get; init; }

    /// <summary>Upper bound for the bytes of one chunk of scores of the tensor path when <see cref="ChunkSize"/> is
    /// null. The CPU kernel stores no scores.</summary>
    [Range(1.0, double.MaxValue, ErrorMessage = "ScoreMemoryBudgetBytes must be positive.")]
    public long ScoreMemoryBudgetBytes { get; init; } = DefaultScoreMemoryBudgetBytes;

    /// <summary>Where the search runs; null (default) uses the device the features are on. On the CPU the fused
    /// kernel is used when the hardware supports it (see <see cref="NeighborMiner"/>).</summary>
    public Device? Device { get; init; }

    /// <summary>Forces the tensor-product path on the CPU too (tests and benchmarks compare the two paths).</summary>
    internal bool UseTensorProducts { get; init; }
}
