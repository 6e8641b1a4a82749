using Scan.Core.Training;

namespace Scan.Core.Pretext;

/// <summary>What the SimCLR stage produced besides the trained model: one record per epoch ("loss", "lr").</summary>
/// <param name="History">Epochs in order, including those completed before a resume.</param>
public sealed record SimClrResult(IReadOnlyList<EpochRecord> History)
{
    /// <summary>The precision the steps ran in: the options' one, or what <see cref="TrainingPrecision.Auto"/> chose.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>The timing behind an <see cref="TrainingPrecision.Auto"/> choice; null when the precision was fixed.</summary>
    public PrecisionMeasurement? PrecisionMeasurement { get; init; }
}
