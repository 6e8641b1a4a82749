using Scan.Core.Pretext;

namespace Scan.Core.Pipeline.Fitting;

/// <summary>
/// <see cref="ScanOptions"/> fitted to one dataset and one machine by <see cref="ScanPresets.ForAsync"/>, with the
/// measurements and the reasoning behind them, so a caller can print, log or override each choice.
/// </summary>
/// <param name="Options">The options to run with (a new object the caller may change).</param>
/// <param name="Budget">The wall-clock budget the stage lengths were sized for.</param>
/// <param name="Precision">The SimCLR step timed in float32 and bfloat16 on this machine, and the precision chosen.</param>
/// <param name="Plan">Optimizer steps and estimated seconds per stage.</param>
/// <param name="Decisions">One sentence per choice, in the order made (e.g. "K neighbours 10: 200 images per cluster").</param>
public sealed record FittedOptions(
    ScanOptions Options,
    TimeSpan Budget,
    PrecisionMeasurement Precision,
    StagePlan Plan,
    IReadOnlyList<string> Decisions);

/// <summary>How a fitted run spends its budget. Stage lengths are optimizer steps; the options hold them as whole
/// epochs (checkpoints and resume are per epoch), so the actual steps differ from these by less than one epoch.</summary>
/// <param name="PretextSteps">SimCLR optimizer steps.</param>
/// <param name="ClusteringSteps">SCAN optimizer steps (heads on cached features).</param>
/// <param name="SelfLabelingSteps">Self-labelling optimizer steps; 0 when the budget leaves no room and the stage is off.</param>
/// <param name="EstimatedSeconds">The whole run's estimated wall time on this machine, from the measured step.</param>
public sealed record StagePlan(int PretextSteps, int ClusteringSteps, int SelfLabelingSteps, double EstimatedSeconds);
