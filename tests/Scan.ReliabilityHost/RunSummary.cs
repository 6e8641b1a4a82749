namespace Scan.ReliabilityHost;

/// <summary>
/// What a pipeline run produced, reduced to figures that must be identical between two runs with the same seed and
/// options on the CPU, whether they ran in one process, in two, or were killed and resumed.
/// </summary>
public sealed record RunOutcome
{
    /// <summary>SHA-256 (hex) of the mined neighbour indices (int32, row-major); empty without a run directory.</summary>
    public required string NeighborIndicesSha256 { get; init; }

    /// <summary>SHA-256 (hex) of the neighbour similarities (float32); empty without a run directory.</summary>
    public required string NeighborSimilaritiesSha256 { get; init; }

    /// <summary>The final cluster of every image.</summary>
    public required IReadOnlyList<int> Assignments { get; init; }

    /// <summary>SHA-256 (hex) of the final confidences (float32).</summary>
    public required string ConfidencesSha256 { get; init; }

    /// <summary>SHA-256 (hex) of the final network's saved weights and buffers.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The head chosen after clustering.</summary>
    public required int SelectedHead { get; init; }

    /// <summary>Final accuracy against the synthetic labels.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Final normalised mutual information.</summary>
    public required double Nmi { get; init; }

    /// <summary>Final adjusted Rand index.</summary>
    public required double Ari { get; init; }

    /// <summary>Every stage's deterministic figures, in order.</summary>
    public required IReadOnlyList<StageOutcome> Stages { get; init; }
}

/// <summary>The deterministic part of one <see cref="Scan.Core.Pipeline.StageReport"/>: figures, per-epoch metrics, metrics.</summary>
public sealed record StageOutcome
{
    /// <summary>The stage.</summary>
    public required string Stage { get; init; }

    /// <summary>The stage's named figures (neighbour purity, head losses, confident samples…).</summary>
    public required IReadOnlyDictionary<string, double> Figures { get; init; }

    /// <summary>The per-epoch mean metrics (loss, lr…), without timings.</summary>
    public required IReadOnlyList<IReadOnlyDictionary<string, double>> Epochs { get; init; }

    /// <summary>Accuracy after the stage, when it reports one.</summary>
    public double? Accuracy { get; init; }
}

/// <summary>The host's final line: the outcome plus facts about the process that may differ between runs.</summary>
public sealed record RunSummary
{
    /// <summary>The part that must be reproducible.</summary>
    public required RunOutcome Outcome { get; init; }

    /// <summary>Stages loaded from the run directory instead of trained in this process.</summary>
    public required IReadOnlyList<string> LoadedStages { get; init; }

    /// <summary>libtorch intra-op threads.</summary>
    public required int Threads { get; init; }

    /// <summary>The process that ran it.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Wall-clock seconds of <c>RunAsync</c>.</summary>
    public required double Seconds { get; init; }
}
