using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Training;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.SelfLabeling;

/// <summary>
/// The self-labelling stage of SCAN (paper §2.3): predictions on weakly augmented images whose top probability
/// exceeds the threshold become pseudo-labels, and the network is trained with (class-balanced) cross-entropy to
/// predict them on strongly augmented views of the same images. Adam optimiser; optional EMA of the weights.
/// </summary>
public sealed class SelfLabelingTrainer
{
    private readonly TrainerScaffold<SelfLabelingOptions> _setup;
    private readonly IAugmentation _weak;
    private readonly IAugmentation _strong;

    /// <summary>Creates the stage.</summary>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="weak">Augmentation of the images the targets come from (crop and flip, then normalisation).</param>
    /// <param name="strong">Augmentation of the images the loss is computed on (the strong recipe).</param>
    /// <param name="device">Where to train; the CPU by default.</param>
    /// <param name="seed">Seed of every random choice.</param>
    /// <param name="logger">Receives one line per epoch.</param>
    public SelfLabelingTrainer(SelfLabelingOptions options, IAugmentation weak, IAugmentation strong, Device? device = null,
        long seed = 0, ILogger? logger = null)
    {
        _setup = new TrainerScaffold<SelfLabelingOptions>(options, device, seed, logger);
        ArgumentNullException.ThrowIfNull(weak);
        ArgumentNullException.ThrowIfNull(strong);
        _weak = weak;
        _strong = strong;
    }

    /// <summary>Called after every epoch, before its checkpoint is written (so what it records is on disk before the
    /// checkpoint calls the epoch done), with the epoch's number and the epoch's live weights in the model: the
    /// pipeline's self-labelling stage judges each epoch there.</summary>
    internal Action<int>? AfterEpoch { get; set; }

    /// <summary>Fine-tunes <paramref name="model"/> (its selected head and backbone) on its own confident predictions.</summary>
    /// <remarks>A batch, or a whole epoch, in which no sample passes the threshold trains nothing (loss 0, no optimizer
    /// step, so momentum and weight decay leave the weights bit-identical, and no EMA update) and
    /// training continues: the "confident" figure of the step reports and <see cref="SelfLabelingResult.ConfidentPerEpoch"/>
    /// show it, and the logger gets a warning for such an epoch.</remarks>
    /// <param name="model">The clustering model after the SCAN stage; its selected head is trained.</param>
    /// <param name="dataset">The images; channels must match the model.</param>
    /// <param name="checkpointPath">Checkpoint after every epoch; resumed from if present.</param>
    /// <param name="progress">Step and epoch reports.</param>
    /// <param name="cancellationToken">Stops between two steps.</param>
    /// <exception cref="ArgumentException">The options were changed to an invalid value after construction, the
    /// dataset is smaller than one batch, its channels do not match the model, or it holds a NaN or infinite pixel.</exception>
    /// <exception cref="TrainingDivergedException">The loss, the logits of either view or a weight became NaN or
    /// infinite.</exception>
    public Task<SelfLabelingResult> TrainAsync(ClusteringModel model, IImageDataset dataset, string? checkpointPath = null,
        IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _setup.CheckStart(model, dataset, m => m.Backbone, _setup.Options.BatchSize);
        return Task.Run(() => Train(model, dataset, checkpointPath, progress, cancellationToken), cancellationToken);
    }

    private SelfLabelingResult Train(ClusteringModel model, IImageDataset dataset, string? checkpointPath,
        IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        model.to(_setup.Device);
        using var source = new BatchSource(dataset, _setup.Device);
        var criterion = new ConfidenceCrossEntropyLoss(_setup.Options.ConfidenceThreshold, _setup.Options.ClassBalance);
        var parameters = model.parameters().ToList();
        using var optimizer = optim.Adam(parameters, _setup.Options.LearningRate, weight_decay: _setup.Options.WeightDecay);
        List<Tensor>? ema = null;
        if (_setup.Options.UseEma)
        {
            using var noGrad = no_grad();
            ema = parameters.Select(p => p.clone()).ToList();
        }

        var loop = _setup.Loop(ScanStage.SelfLabeling, _setup.Options.Epochs, _setup.Options.BatchSize, dataset, model, optimizer, checkpointPath, progress, state: ema);

        try
        {
            var history = loop.Run((epoch, step) =>
            {
                var images = source.Get(epoch.BatchIndices(step));
                Tensor weakLogits;
                using (no_grad())
                    weakLogits = model.call(_weak.Apply(images, epoch.Generator));
                var strongLogits = model.call(_strong.Apply(images, epoch.Generator));
                // NaN weak logits pass no threshold: without this check a diverged model would train on with
                // "no confident samples" and a loss of exactly 0 instead of stopping.
                ThrowIfNotFinite(weakLogits, "weak-view logits", epoch.Epoch, step);
                ThrowIfNotFinite(strongLogits, "strong-view logits", epoch.Epoch, step);
                using var result = criterion.Compute(weakLogits, strongLogits);

                // A batch without a confident sample has nothing to learn from: skip the step entirely, because Adam's
                // momentum and weight decay would still move the weights (and the EMA) although the loss is 0.
                if (result.ConfidentCount > 0)
                {
                    optimizer.zero_grad();
                    result.Loss.backward();
                    optimizer.step();
                    if (ema is not null)
                        UpdateEma(ema, parameters, _setup.Options.EmaDecay);
                }
                return new Dictionary<string, double>
                {
                    ["loss"] = result.Loss.item<float>(),
                    ["confident"] = result.ConfidentCount,
                };
            }, cancellationToken, beginEpoch: _ =>
            {
                if (_setup.Options.FreezeBatchNorm)
                    foreach (var module in model.modules().OfType<TorchSharp.Modules.BatchNorm>())
                        module.eval();
            }, endEpoch: record =>
            {
                if (record.Metrics.GetValueOrDefault("confident") == 0)
                {
                    _setup.Logger?.LogWarning("SelfLabeling epoch {Epoch}: no sample passed the confidence threshold {Threshold}; " +
                        "the epoch trained nothing. Lower the threshold if this persists.", record.Epoch, _setup.Options.ConfidenceThreshold);
                }
                AfterEpoch?.Invoke(record.Epoch);
            });

            if (ema is not null)
            {
                using var noGrad = no_grad();
                for (int i = 0; i < parameters.Count; i++)
                    parameters[i].copy_(ema[i]);
            }
            model.eval();
            var confident = history.Select(h => (int)Math.Round(h.Metrics["confident"] * loop.StepsPerEpoch)).ToList();
            return new SelfLabelingResult(history, confident);
        }
        finally
        {
            if (ema is not null)
                foreach (var t in ema)
                    t.Dispose();
        }
    }

    private static void ThrowIfNotFinite(Tensor logits, string quantity, int epoch, int step)
    {
        if (NonFinite.First(logits) is { } bad)
            throw new TrainingDivergedException(ScanStage.SelfLabeling, epoch, step + 1, quantity, bad.Value);
    }

    private static void UpdateEma(List<Tensor> ema, List<TorchSharp.Modules.Parameter> parameters, double decay)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
            ema[i].mul_(decay).add_(parameters[i], alpha: 1 - decay);
    }
}
