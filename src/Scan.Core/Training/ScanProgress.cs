namespace Scan.Core.Training;

/// <summary>
/// A progress report from a SCAN stage, sent through <see cref="IProgress{T}"/> after every training step and at
/// the end of every epoch.
/// </summary>
/// <param name="Stage">The stage reporting.</param>
/// <param name="Epoch">1-based epoch in progress (0 for stages without epochs).</param>
/// <param name="TotalEpochs">Epochs this stage runs.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in one epoch.</param>
/// <param name="Metrics">Named figures of the last step or epoch (e.g. "loss", "consistency", "entropy", "confident").</param>
/// <param name="ImagesPerSecond">Throughput of the current epoch so far.</param>
/// <param name="Elapsed">Time spent in this stage so far.</param>
/// <param name="EstimatedRemaining">Estimated time to the end of the stage, when known.</param>
/// <param name="EpochCompleted">True for the report sent once an epoch has finished (its metrics are epoch means).</param>
public sealed record ScanProgress(
    ScanStage Stage,
    int Epoch,
    int TotalEpochs,
    int Step,
    int StepsPerEpoch,
    IReadOnlyDictionary<string, double> Metrics,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    TimeSpan? EstimatedRemaining,
    bool EpochCompleted)
{
    /// <summary>Fraction of the stage done, in [0, 1].</summary>
    public double Fraction => TotalEpochs <= 0 || StepsPerEpoch <= 0
        ? 0
        : Math.Clamp(((Epoch - 1) + (double)Step / StepsPerEpoch) / TotalEpochs, 0, 1);
}
