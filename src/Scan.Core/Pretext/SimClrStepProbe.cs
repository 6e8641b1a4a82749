using System.Diagnostics;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Runtime;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Pretext;

/// <summary>
/// Times real SimCLR training steps on this machine: the trainer itself (augmentation, forward, backward, SGD) on a
/// throw-away model of the given shape, over a few batches of the user's own images. Data-fitted presets and
/// <see cref="TrainingPrecision.Auto"/> size their choices from it instead of from a CPU model name or flag.
/// </summary>
internal static class SimClrStepProbe
{
    /// <summary>Steps run before timing starts: the first ones pay for first-touch allocations and kernel selection
    /// (on the 2-core EPYC the second step was still 1.5-2x slower than the tenth).</summary>
    internal const int WarmupSteps = 2;

    /// <summary>Seconds per SimCLR step (lower quartile) of <paramref name="pretext"/>'s batch size at <paramref name="precision"/>,
    /// over <paramref name="measuredSteps"/> steps after <see cref="WarmupSteps"/>. With <paramref name="abandonAbove"/>,
    /// a first step slower than that many seconds ends the probe at once and its duration is returned: enough to
    /// rule a format out where it has no hardware support (bfloat16 on a CPU without AVX512-BF16 or AMX took 10.7 s a
    /// step against float32's 0.84 s on an AVX2 EPYC, and the full probe cost 40 s of the user's budget).</summary>
    public static double SecondsPerStep(Func<ResNetBackbone> backbone, IImageDataset dataset, IAugmentation views,
        SimClrOptions pretext, TrainingPrecision precision, ConvolutionLayout layout, Device device, CancellationToken cancellationToken,
        int measuredSteps = 6, double? abandonAbove = null)
    {
        int batch = Math.Min(pretext.BatchSize, dataset.Count);
        // Cycling through the dataset when it holds fewer images than the probe's batches: the cost of a step does
        // not depend on which images it sees.
        var indices = Enumerable.Range(0, batch * (WarmupSteps + measuredSteps)).Select(i => i % dataset.Count).ToArray();
        var subset = new ImageDatasetSubset(dataset, indices);
        var options = new SimClrOptions
        {
            Epochs = 1, BatchSize = batch, WarmupEpochs = 0, Precision = precision, Layout = layout,
            LearningRate = pretext.LearningRate, Momentum = pretext.Momentum, WeightDecay = pretext.WeightDecay,
            Temperature = pretext.Temperature, ProjectionDim = pretext.ProjectionDim,
        };
        // Built under the global-random gate with a fixed seed, so a probe never perturbs another pipeline's weights.
        using var model = GlobalRandom.Seeded(0, () => new ContrastiveModel(backbone(), pretext.ProjectionDim), logger: null);
        var stepEnds = new List<double>();
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var progress = new InlineProgress(p =>
        {
            if (p.EpochCompleted)
                return;
            stepEnds.Add(clock.Elapsed.TotalSeconds);
            if (stepEnds.Count == 1 && stepEnds[0] > abandonAbove)
                abandon.Cancel();
        });
        try
        {
            new SimClrTrainer(options, views, device, seed: 0)
                .TrainAsync(model, subset, checkpointPath: null, progress, abandon.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && stepEnds.Count > 0)
        {
            return stepEnds[0];
        }
        // Step k's duration is the gap between the reports of steps k-1 and k; the warm-up steps' gaps are dropped.
        var durations = stepEnds.Zip(stepEnds.Skip(1), (a, b) => b - a).Skip(WarmupSteps - 1).Order().ToArray();
        if (durations.Length == 0)
            throw new InvalidOperationException("The SimCLR step probe recorded no step; the trainer reported no progress.");
        // The lower quartile, not the median: a step slowed by something else on the machine says nothing about the
        // sustained rate. On the AVX2 EPYC two probes of the same row measured medians of 0.334 and 0.169 s, and the
        // stage planned from the first then ran at 0.18 s a step, with half the steps the budget allowed.
        return durations[durations.Length / 4];
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs on the reporting thread (Progress&lt;T&gt; would post to a
    /// synchronisation context and lose the timing).</summary>
    private sealed class InlineProgress(Action<ScanProgress> report) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) => report(value);
    }
}
