using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Pretext;

/// <summary>What <see cref="TrainingPrecision.Auto"/> measured on this machine and what it chose.</summary>
/// <param name="Float32SecondsPerStep">Seconds of one float32 SimCLR step (the lower quartile of the timed steps).</param>
/// <param name="BFloat16SecondsPerStep">Seconds of one bfloat16 step (lower quartile) (where the first step already took over twice
/// float32's, that first step's time, and the probe stopped there); null when the backbone has no bfloat16 copy.</param>
/// <param name="Chosen">Float32 or BFloat16.</param>
internal sealed record PrecisionMeasurement(double Float32SecondsPerStep, double? BFloat16SecondsPerStep, TrainingPrecision Chosen)
{
    /// <summary>float32 time over bfloat16 time (above 1: bfloat16 is faster); null when bfloat16 was not measured.</summary>
    public double? BFloat16Speedup => BFloat16SecondsPerStep is { } bf ? Float32SecondsPerStep / bf : null;
}

/// <summary>
/// Resolves <see cref="TrainingPrecision.Auto"/> by timing SimCLR steps in both formats on the machine at hand.
/// </summary>
internal static class PrecisionChoice
{
    /// <summary>
    /// bfloat16 is chosen only when its step is at least this many times faster than float32's. At equal steps it cost
    /// 5.6 to 7.6 ACC points on Fashion-MNIST on two machines (BENCHMARKS.md: float32 0.731 against 0.675 and 0.655),
    /// so it must buy far more steps in the same time to be a speed-up at all; 1.55x (AMX Xeon) and 1.0x (the same
    /// Xeon model without AMX) did not.
    /// </summary>
    public const double MinimumBFloat16Speedup = 2.5;

    public static PrecisionMeasurement Measure(Func<ResNetBackbone> backbone, IImageDataset dataset, IAugmentation views,
        SimClrOptions pretext, ConvolutionLayout layout, Device device, ILogger? logger, CancellationToken cancellationToken,
        double? float32SecondsPerStep = null)
    {
        double f32 = float32SecondsPerStep
            ?? SimClrStepProbe.SecondsPerStep(backbone, dataset, views, pretext, TrainingPrecision.Float32, layout, device, cancellationToken);
        // Two timed bfloat16 steps are enough to see a 2.5x difference, and where bfloat16 is slow (10x on the EPYC at
        // batch 64, 13x on an EPYC without AVX512-BF16) every extra step is budget lost: a first step over twice
        // float32's ends the probe. First steps ran at most 2x the steady state, so such a format is no faster at all.
        double bf16 = SimClrStepProbe.SecondsPerStep(backbone, dataset, views, pretext, TrainingPrecision.BFloat16, layout, device, cancellationToken,
            measuredSteps: 2, abandonAbove: 2 * f32);
        var chosen = f32 / bf16 >= MinimumBFloat16Speedup ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32;
        logger?.LogInformation(
            "Precision: a SimCLR step of {Batch} takes {F32:F3} s in float32 and {BF16:F3} s in bfloat16 ({Speedup:F2}x); {Chosen} chosen (bfloat16 needs {Minimum}x to outweigh its accuracy cost).",
            Math.Min(pretext.BatchSize, dataset.Count), f32, bf16, f32 / bf16, chosen, MinimumBFloat16Speedup);
        return new PrecisionMeasurement(f32, bf16, chosen);
    }
}
