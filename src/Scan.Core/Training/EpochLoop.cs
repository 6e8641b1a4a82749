using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scan.Core.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>The epoch an <see cref="EpochLoop"/> is running: its number, its random generator and its sample order.</summary>
internal sealed class EpochContext
{
    public required int Epoch { get; init; }

    /// <summary>Seeded by (seed, epoch): an epoch's randomness does not depend on earlier epochs having run in this process.</summary>
    public required Generator Generator { get; init; }

    /// <summary>A random permutation of the dataset indices (int64, CPU).</summary>
    public required Tensor Order { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>Indices of step <paramref name="step"/> (0-based); the last partial batch is dropped.</summary>
    public Tensor BatchIndices(int step) => Order.narrow(0, (long)step * BatchSize, BatchSize);
}

/// <summary>
/// The loop every trainer shares: resume from a checkpoint, per-epoch seeded randomness, steps in dispose scopes,
/// NaN/Inf detection (every figure of every step, every weight after every epoch), cancellation between steps,
/// progress reports, a checkpoint after every epoch.
/// </summary>
internal sealed class EpochLoop
{
    public required ScanStage Stage { get; init; }
    public required int Epochs { get; init; }
    public required int DatasetSize { get; init; }
    public required int BatchSize { get; init; }
    public required long Seed { get; init; }
    public required nn.Module Model { get; init; }
    public OptimizerHelper? Optimizer { get; init; }

    /// <summary>
    /// Tensors a step updates besides the model and the optimizer (the self-labelling EMA of the weights): saved in
    /// every checkpoint and restored in place on resume, so that a resumed stage continues from the same state.
    /// </summary>
    public IReadOnlyList<Tensor>? State { get; init; }
    public string? CheckpointPath { get; init; }
    public IProgress<ScanProgress>? Progress { get; init; }
    public ILogger? Logger { get; init; }

    /// <summary>Images one step processes, for the throughput figure (defaults to the batch size).</summary>
    public int ImagesPerStep { get; init; }

    public int StepsPerEpoch => DatasetSize / BatchSize;

    /// <summary>
    /// Runs the remaining epochs. <paramref name="step"/> trains on one batch and returns its figures; the key
    /// "loss" must be present and finite.
    /// </summary>
    public List<EpochRecord> Run(Func<EpochContext, int, IReadOnlyDictionary<string, double>> step,
        CancellationToken cancellationToken, Action<EpochContext>? beginEpoch = null, Action<EpochRecord>? endEpoch = null)
    {
        // Gradients are not part of a checkpoint, so a stage must not inherit them from an earlier one: Adam steps
        // on a stale zero gradient (weight decay alone, normalised to a full learning-rate step) but skips a missing
        // one. Self-labelling left the unused cluster heads drifting only when clustering had run in the same
        // process, and a resumed run then differed from an uninterrupted one.
        Model.zero_grad(true);
        var history = new List<EpochRecord>();
        int start = 0;
        if (CheckpointPath is not null)
        {
            var resumed = TrainingCheckpoint.TryLoad(CheckpointPath, Stage, Model, Optimizer, State);
            if (resumed is { } r)
            {
                start = r.CompletedEpochs;
                history = r.History;
                Logger?.LogInformation("{Stage}: resuming after epoch {Epoch} from {Path}", Stage, start, CheckpointPath);
                if (!r.StateRestored)
                    Logger?.LogWarning("{Stage}: {Path} predates checkpointed extra state (the EMA); it restarts from the resumed weights.", Stage, CheckpointPath);
            }
        }

        int steps = StepsPerEpoch;
        int imagesPerStep = ImagesPerStep > 0 ? ImagesPerStep : BatchSize;
        var stageClock = Stopwatch.StartNew();
        for (int epoch = start + 1; epoch <= Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            using var generator = new Generator(unchecked((ulong)SeedFor(Seed, epoch)));
            using var order = randperm(DatasetSize, generator: generator);
            var context = new EpochContext { Epoch = epoch, Generator = generator, Order = order, BatchSize = BatchSize };
            Model.train();
            beginEpoch?.Invoke(context);

            var sums = new Dictionary<string, double>();
            for (int s = 0; s < steps; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyDictionary<string, double> figures;
                using (NewDisposeScope())
                    figures = step(context, s);

                foreach (var (name, value) in figures)
                {
                    if (!double.IsFinite(value))
                        throw new TrainingDivergedException(Stage, epoch, s + 1, name, value);
                    sums[name] = sums.GetValueOrDefault(name) + value;
                }

                double rate = (s + 1) * (double)imagesPerStep / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
                Progress?.Report(new ScanProgress(Stage, epoch, Epochs, s + 1, steps, figures, rate, stageClock.Elapsed,
                    Remaining(epoch, s + 1, steps, epochClock.Elapsed), EpochCompleted: false));
            }

            // The loss of a step is computed before its update: the last update of an epoch is checked here, so a
            // checkpoint (and the trained model) never holds a NaN or infinite weight.
            ThrowIfWeightsNotFinite(epoch, steps);
            var means = sums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(steps, 1));
            double seconds = epochClock.Elapsed.TotalSeconds;
            var record = new EpochRecord(epoch, means, seconds, steps * (double)imagesPerStep / Math.Max(seconds, 1e-9));
            history.Add(record);
            Logger?.LogInformation("{Stage} epoch {Epoch}/{Epochs}: {Metrics} ({Rate:F0} img/s)", Stage, epoch, Epochs,
                string.Join(", ", means.Select(kv => $"{kv.Key} {kv.Value:G4}")), record.ImagesPerSecond);
            // Before the checkpoint: whatever endEpoch records about this epoch (self-labelling's judge) is on disk
            // before the checkpoint says the epoch is done, so a resumed run never skips it.
            endEpoch?.Invoke(record);
            if (CheckpointPath is not null)
                TrainingCheckpoint.Save(CheckpointPath, Stage, epoch, Model, Optimizer, history, State);
            Progress?.Report(new ScanProgress(Stage, epoch, Epochs, steps, steps, means, record.ImagesPerSecond,
                stageClock.Elapsed, TimeSpan.FromSeconds(seconds * (Epochs - epoch)), EpochCompleted: true));
        }
        return history;

        TimeSpan? Remaining(int epoch, int step, int stepsPerEpoch, TimeSpan epochElapsed)
        {
            double perStep = epochElapsed.TotalSeconds / step;
            long left = (long)(Epochs - epoch) * stepsPerEpoch + (stepsPerEpoch - step);
            return TimeSpan.FromSeconds(perStep * left);
        }
    }

    /// <exception cref="TrainingDivergedException">A parameter or buffer of the model holds a NaN or infinite value.</exception>
    private void ThrowIfWeightsNotFinite(int epoch, int steps)
    {
        using var noGrad = no_grad();
        var weights = Model.named_parameters().Select(p => (Name: p.Item1, Tensor: (Tensor)p.Item2))
            .Concat(Model.named_buffers().Select(b => (Name: b.Item1, Tensor: b.Item2)));
        foreach (var (name, tensor) in weights)
        {
            if (NonFinite.First(tensor) is { } bad)
                throw new TrainingDivergedException(Stage, epoch, steps, $"weight '{name}'", bad.Value);
        }
    }

    /// <summary>Every trainer drops the last partial batch, so a dataset smaller than one batch trains nothing.</summary>
    /// <exception cref="ArgumentException">The dataset is smaller than one batch.</exception>
    public static void RequireBatchFits(int datasetSize, int batchSize, string paramName)
    {
        if (datasetSize < batchSize)
        {
            throw new ArgumentException(
                $"BatchSize {batchSize} is larger than the dataset ({datasetSize} images); lower it.", paramName);
        }
    }

    /// <summary>The backbone's first convolution fixes the channels; a mismatch would fail deep inside libtorch.</summary>
    /// <exception cref="ArgumentException">The dataset's channels differ from the backbone's input channels.</exception>
    public static void RequireChannels(IImageDataset dataset, Models.Backbone backbone, string paramName)
    {
        if (dataset.Channels != backbone.InputChannels)
        {
            throw new ArgumentException(
                $"The dataset has {dataset.Channels} channel(s), the backbone expects {backbone.InputChannels}.", paramName);
        }
    }

    /// <summary>A distinct, reproducible seed per (run seed, epoch).</summary>
    public static long SeedFor(long seed, int epoch) => unchecked(seed * 1_000_003L + epoch * 7919L + 17);
}
