namespace Scan.Core.Training;

/// <summary>
/// A loss became NaN or infinite. The stage stops; the last checkpoint written (if any) is the last good state.
/// Lower the learning rate, check the input for NaN pixels, or resume from the checkpoint.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the given place in training.</summary>
    public TrainingDivergedException(ScanStage stage, int epoch, int step, string quantity, double value)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{stage} stage diverged at epoch {epoch}, step {step}: {quantity} is {value}. ") +
            "The last checkpoint (if any) is kept; lower the learning rate or check the input data.")
    {
        Stage = stage;
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The stage that diverged.</summary>
    public ScanStage Stage { get; }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based step within the epoch.</summary>
    public int Step { get; }
}
