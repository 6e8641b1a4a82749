using Scan.Core.Pretext;
using Scan.Core.Training;

namespace Scan.Core.Pipeline.Fitting;

/// <summary>
/// <see cref="ScanOptions"/> fitted to one dataset and one machine by <see cref="ScanPresets.ForAsync"/> or
/// <see cref="ScanPresets.FitToBudgetAsync"/>, with the measurements and the reasoning behind them, so a caller can
/// print, log or override each choice.
/// </summary>
/// <remarks>Stage lengths are optimizer steps; the options hold them as whole epochs (checkpoints and resume are per
/// epoch), so the actual steps differ from these by less than one epoch.</remarks>
public sealed record FittedOptions
{
    internal FittedOptions(ScanOptions options, TimeSpan budget, PrecisionMeasurement precision, int pretextSteps,
        int clusteringSteps, int selfLabelingSteps, double estimatedSeconds, IReadOnlyList<string> decisions)
    {
        Options = options;
        Budget = budget;
        Precision = precision.Chosen;
        Float32SecondsPerStep = precision.Float32SecondsPerStep;
        BFloat16SecondsPerStep = precision.BFloat16SecondsPerStep ?? double.NaN;
        PretextSteps = pretextSteps;
        ClusteringSteps = clusteringSteps;
        SelfLabelingSteps = selfLabelingSteps;
        EstimatedSeconds = estimatedSeconds;
        Decisions = decisions;
    }

    /// <summary>The options to run with (a new object the caller may change).</summary>
    public ScanOptions Options { get; init; }

    /// <summary>The wall-clock budget the stage lengths were sized for.</summary>
    public TimeSpan Budget { get; init; }

    /// <summary>The SimCLR precision the probe chose (float32 or bfloat16), as set in the options.</summary>
    public TrainingPrecision Precision { get; init; }

    /// <summary>Seconds of one float32 SimCLR step on this machine (the lower quartile of the timed steps).</summary>
    public double Float32SecondsPerStep { get; init; }

    /// <summary>Seconds of one bfloat16 SimCLR step on this machine (the lower quartile of the timed steps; where the
    /// first step already took over twice float32's, that step's time, as the probe stopped there).</summary>
    public double BFloat16SecondsPerStep { get; init; }

    /// <summary>SimCLR optimizer steps.</summary>
    public int PretextSteps { get; init; }

    /// <summary>SCAN optimizer steps (heads on cached features).</summary>
    public int ClusteringSteps { get; init; }

    /// <summary>Self-labelling optimizer steps; 0 when the budget leaves no room and the stage is off.</summary>
    public int SelfLabelingSteps { get; init; }

    /// <summary>The whole run's estimated wall time on this machine, in seconds, from the measured step.</summary>
    public double EstimatedSeconds { get; init; }

    /// <summary>One sentence per choice, in the order made (e.g. "K neighbours 10: 200 images per cluster").</summary>
    public IReadOnlyList<string> Decisions { get; init; }
}
