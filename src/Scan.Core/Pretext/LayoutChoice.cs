using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Pretext;

/// <summary>What <see cref="ConvolutionLayout.Auto"/> measured: a float32 SimCLR step in each layout, and the choice.</summary>
internal sealed record LayoutMeasurement(double ContiguousSecondsPerStep, double ChannelsLastSecondsPerStep, ConvolutionLayout Chosen)
{
    /// <summary>The chosen layout's float32 step, which the precision probe and the stage planner start from.</summary>
    public double ChosenSecondsPerStep => Chosen == ConvolutionLayout.ChannelsLast ? ChannelsLastSecondsPerStep : ContiguousSecondsPerStep;
}

/// <summary>
/// Resolves <see cref="ConvolutionLayout.Auto"/> by timing real float32 SimCLR steps in both layouts on the machine at
/// hand. Channels-last convolutions were 10–25 % faster on the 2-core EPYC with AVX512 for every small ResNet we tried
/// (BENCHMARKS.md), but oneDNN's kernels differ between CPUs, so nothing is assumed: channels-last must win by
/// <see cref="MinimumChannelsLastSpeedup"/>. A result is kept per process and model shape, so that two trainings of one
/// shape in one process (a rerun, a resume, a test) run the same kernels and give the same numbers.
/// </summary>
internal static class LayoutChoice
{
    /// <summary>Channels-last must be at least this much faster: below it the two are within the probe's noise.</summary>
    public const double MinimumChannelsLastSpeedup = 1.05;

    private static readonly ConcurrentDictionary<string, LayoutMeasurement> Measured = new();

    /// <summary>The layout for <paramref name="shape"/>'s architecture on these images and batch size: measured once per
    /// process and shape, then remembered. <paramref name="shape"/> itself is never trained: the probes train fresh
    /// copies of it (<see cref="ResNetBackbone.CopyShape"/>).</summary>
    public static LayoutMeasurement Measure(ResNetBackbone shape, IImageDataset dataset, IAugmentation views,
        SimClrOptions pretext, Device device, ILogger? logger, CancellationToken cancellationToken)
    {
        Func<ResNetBackbone> backbone = shape.CopyShape;
        string key = string.Join("|", device.ToString(), dataset.Channels, dataset.Height, dataset.Width, shape.Stem,
            shape.Width, string.Join(",", shape.BlocksPerStage), Math.Min(pretext.BatchSize, dataset.Count), get_num_threads());
        if (Measured.TryGetValue(key, out var known))
            return known;

        // Contiguous first: the first probe of a process also pays libtorch's one-off start-up, and its warm-up steps
        // absorb it; a second contiguous measurement is not worth its time.
        double contiguous = SimClrStepProbe.SecondsPerStep(backbone, dataset, views, pretext, TrainingPrecision.Float32,
            ConvolutionLayout.Contiguous, device, cancellationToken, measuredSteps: 4);
        double channelsLast = SimClrStepProbe.SecondsPerStep(backbone, dataset, views, pretext, TrainingPrecision.Float32,
            ConvolutionLayout.ChannelsLast, device, cancellationToken, measuredSteps: 4);
        var chosen = contiguous / channelsLast >= MinimumChannelsLastSpeedup ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Contiguous;
        logger?.LogInformation(
            "Layout: a float32 SimCLR step of {Batch} takes {Contiguous:F3} s contiguous and {ChannelsLast:F3} s channels-last ({Speedup:F2}x); {Chosen} chosen (channels-last needs {Minimum}x).",
            Math.Min(pretext.BatchSize, dataset.Count), contiguous, channelsLast, contiguous / channelsLast, chosen, MinimumChannelsLastSpeedup);
        return Measured.GetOrAdd(key, new LayoutMeasurement(contiguous, channelsLast, chosen));
    }
}
