using Scan.Core.Training;

namespace Scan.Core.Pretext;

/// <summary>What the SimCLR stage produced besides the trained model: one record per epoch ("loss", "lr").</summary>
/// <param name="History">Epochs in order, including those completed before a resume.</param>
public sealed record SimClrResult(IReadOnlyList<EpochRecord> History)
{
    /// <summary>The precision the steps ran in: the options' one, or what <see cref="TrainingPrecision.Auto"/> chose.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>Seconds of one float32 step as <see cref="TrainingPrecision.Auto"/> timed it on this machine (the lower
    /// quartile of the timed steps); null when the precision was fixed, or when Auto kept float32 without timing
    /// because the backbone has no bfloat16 copy (a backbone of the caller's own).</summary>
    public double? Float32SecondsPerStep { get; init; }

    /// <summary>Seconds of one bfloat16 step as <see cref="TrainingPrecision.Auto"/> timed it (where the first step
    /// already took over twice float32's, that step's time, as the probe stopped there); null when no bfloat16 step
    /// was timed. <see cref="Precision"/> is bfloat16 only when this is at most float32's time over 2.5.</summary>
    public double? BFloat16SecondsPerStep { get; init; }

    /// <summary>The convolution layout the steps ran in: the options' one, or what <see cref="ConvolutionLayout.Auto"/>
    /// chose (<see cref="ConvolutionLayout.Contiguous"/> for a backbone that is not a <see cref="Models.ResNetBackbone"/>).</summary>
    public ConvolutionLayout Layout { get; init; } = ConvolutionLayout.Contiguous;

    /// <summary>Seconds of one float32 step in each layout as <see cref="ConvolutionLayout.Auto"/> timed them (lower
    /// quartiles); null when the layout was fixed or the backbone is not a <see cref="Models.ResNetBackbone"/>.</summary>
    public (double Contiguous, double ChannelsLast)? LayoutSecondsPerStep { get; init; }
}
