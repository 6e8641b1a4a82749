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

    /// <summary>Median seconds per SimCLR step of <paramref name="pretext"/>'s batch size at <paramref name="precision"/>,
    /// over <paramref name="measuredSteps"/> steps after <see cref="WarmupSteps"/>.</summary>
    public static double SecondsPerStep(Func<ResNetBackbone> backbone, IImageDataset dataset, IAugmentation views,
        SimClrOptions pretext, TrainingPrecision precision, Device device, CancellationToken cancellationToken,
        int measuredSteps = 6)
    {
        int batch = Math.Min(pretext.BatchSize, dataset.Count);
        // Cycling through the dataset when it holds fewer images than the probe's batches: the cost of a step does
        // not depend on which images it sees.
        var indices = Enumerable.Range(0, batch * (WarmupSteps + measuredSteps)).Select(i => i % dataset.Count).ToArray();
        var subset = new ImageDatasetSubset(dataset, indices);
        var options = new SimClrOptions
        {
            Epochs = 1, BatchSize = batch, WarmupEpochs = 0, Precision = precision,
            LearningRate = pretext.LearningRate, Momentum = pretext.Momentum, WeightDecay = pretext.WeightDecay,
            Temperature = pretext.Temperature, ProjectionDim = pretext.ProjectionDim,
        };
        // Built under the global-random gate with a fixed seed, so a probe never perturbs another pipeline's weights.
        using var model = GlobalRandom.Seeded(0, () => new ContrastiveModel(backbone(), pretext.ProjectionDim), logger: null);
        var stepEnds = new List<double>();
        var clock = Stopwatch.StartNew();
        var progress = new InlineProgress(p =>
        {
            if (!p.EpochCompleted)
                stepEnds.Add(clock.Elapsed.TotalSeconds);
        });
        new SimClrTrainer(options, views, device, seed: 0)
            .TrainAsync(model, subset, checkpointPath: null, progress, cancellationToken).GetAwaiter().GetResult();
        // Step k's duration is the gap between the reports of steps k-1 and k; the warm-up steps' gaps are dropped.
        var durations = stepEnds.Zip(stepEnds.Skip(1), (a, b) => b - a).Skip(WarmupSteps - 1).Order().ToArray();
        if (durations.Length == 0)
            throw new InvalidOperationException("The SimCLR step probe recorded no step; the trainer reported no progress.");
        return durations[durations.Length / 2];
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs on the reporting thread (Progress&lt;T&gt; would post to a
    /// synchronisation context and lose the timing).</summary>
    private sealed class InlineProgress(Action<ScanProgress> report) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) => report(value);
    }
}
