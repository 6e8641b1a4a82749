using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Training;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Pretext;

/// <summary>
/// The pretext stage of SCAN: SimCLR (Chen et al. 2020). Each step draws two random views of every image in the
/// batch, projects both through the <see cref="ContrastiveModel"/> and minimises the NT-Xent loss, which pulls the
/// two views of an image together and pushes the other 2B - 2 views away. SGD with momentum, cosine learning-rate
/// decay with optional linear warm-up.
/// </summary>
/// <example>
/// <code>
/// var trainer = new SimClrTrainer(new SimClrOptions { Epochs = 20, BatchSize = 256 }, views: simclrRecipe);
/// using var model = new ContrastiveModel(ResNetBackbone.Small(inputChannels: 1));
/// var result = await trainer.TrainAsync(model, dataset, progress: progress, cancellationToken: ct);
/// </code>
/// </example>
public sealed class SimClrTrainer
{
    private readonly TrainerScaffold<SimClrOptions> _setup;
    private readonly IAugmentation _views;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">Stage settings; validated here.</param>
    /// <param name="views">The random view recipe (the SimCLR recipe, ending in normalisation).</param>
    /// <param name="device">Where to train; the CPU by default.</param>
    /// <param name="seed">Seed of every random choice (sample order, views).</param>
    /// <param name="logger">Receives one line per epoch.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public SimClrTrainer(SimClrOptions options, IAugmentation views, Device? device = null, long seed = 0,
        ILogger? logger = null)
    {
        _setup = new TrainerScaffold<SimClrOptions>(options, device, seed, logger);
        ArgumentNullException.ThrowIfNull(views);
        _views = views;
    }

    /// <summary>Trains <paramref name="model"/> in place on <paramref name="dataset"/>.</summary>
    /// <param name="model">The model; moved to the trainer's device.</param>
    /// <param name="dataset">Unlabelled images (labels, if any, are ignored).</param>
    /// <param name="checkpointPath">When given, a checkpoint is written there after every epoch, and training
    /// resumes from it if it exists.</param>
    /// <param name="progress">Receives a report after every step and every epoch.</param>
    /// <param name="cancellationToken">Stops training between two steps; the last checkpoint stays valid.</param>
    /// <exception cref="ArgumentException">The options were changed to an invalid value after construction, the
    /// dataset is smaller than one batch, its channels do not match the model, or it holds a NaN or infinite pixel.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a weight became NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimClrOptions.Precision"/> is bfloat16 and the backbone is
    /// not a <see cref="ResNetBackbone"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public Task<SimClrResult> TrainAsync(ContrastiveModel model, IImageDataset dataset, string? checkpointPath = null,
        IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _setup.CheckStart(model, dataset, m => m.Backbone, _setup.Options.BatchSize);
        if (_setup.Options.Precision == TrainingPrecision.BFloat16)
            BFloat16Twin.ThrowIfUnsupported(model.Backbone);
        if (_setup.Options.Layout == ConvolutionLayout.ChannelsLast && model.Backbone is not ResNetBackbone)
        {
            throw new NotSupportedException(
                $"ConvolutionLayout.ChannelsLast needs a ResNetBackbone; {model.Backbone.GetType().Name} is not one. Use Auto or Contiguous.");
        }

        return Task.Run(() =>
        {
            var layoutMeasurement = ChooseLayout(model, dataset, cancellationToken);
            var measurement = _setup.Options.Precision == TrainingPrecision.Auto
                ? MeasurePrecision(model, dataset, layoutMeasurement?.ChosenSecondsPerStep, cancellationToken)
                : null;
            var precision = measurement?.Chosen ?? _setup.Options.Precision;
            return Train(model, dataset, precision, checkpointPath, progress, cancellationToken) with
            {
                Precision = precision,
                Float32SecondsPerStep = measurement is { Float32SecondsPerStep: var f32 } && !double.IsNaN(f32) ? f32 : null,
                BFloat16SecondsPerStep = measurement?.BFloat16SecondsPerStep,
                Layout = model.Backbone is ResNetBackbone resnet ? resnet.Layout : ConvolutionLayout.Contiguous,
                LayoutSecondsPerStep = layoutMeasurement is { } m ? (m.ContiguousSecondsPerStep, m.ChannelsLastSecondsPerStep) : null,
            };
        }, cancellationToken);
    }

    /// <summary>Sets the backbone's convolution layout: the options' one, or Auto's measurement on a throw-away copy of
    /// the model's shape (returned; null when nothing was timed). Other backbones run as they are.</summary>
    private LayoutMeasurement? ChooseLayout(ContrastiveModel model, IImageDataset dataset, CancellationToken cancellationToken)
    {
        if (model.Backbone is not ResNetBackbone resnet)
            return null;
        if (_setup.Options.Layout != ConvolutionLayout.Auto)
        {
            resnet.Layout = _setup.Options.Layout;
            return null;
        }
        var measurement = LayoutChoice.Measure(resnet, dataset, _views, _setup.Options, _setup.Device,
            _setup.Logger, cancellationToken);
        resnet.Layout = measurement.Chosen;
        return measurement;
    }

    /// <summary>Auto: times float32 and bfloat16 steps on a throw-away copy of the model's shape, in the backbone's
    /// layout (float32's time is reused when the layout choice just measured it); float32 when the backbone has no
    /// bfloat16 copy (a backbone of the caller's own).</summary>
    private PrecisionMeasurement MeasurePrecision(ContrastiveModel model, IImageDataset dataset, double? float32SecondsPerStep,
        CancellationToken cancellationToken)
    {
        if (model.Backbone is not ResNetBackbone resnet)
        {
            _setup.Logger?.LogInformation("Precision: Auto keeps float32 for a {Type} backbone (no bfloat16 copy can be built).", model.Backbone.GetType().Name);
            return new PrecisionMeasurement(double.NaN, null, TrainingPrecision.Float32);
        }
        return PrecisionChoice.Measure(resnet.CopyShape, dataset, _views, _setup.Options, resnet.Layout, _setup.Device,
            _setup.Logger, cancellationToken, float32SecondsPerStep);
    }

    private SimClrResult Train(ContrastiveModel model, IImageDataset dataset, TrainingPrecision precision,
        string? checkpointPath, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        model.to(_setup.Device);
        // With bfloat16, forward and backward run on a bfloat16 copy; SGD, checkpoints and the caller see the model.
        using var twin = precision == TrainingPrecision.BFloat16 ? BFloat16Twin.Of(model, _setup.Device) : null;
        var compute = twin?.Model ?? model;
        using var source = new BatchSource(dataset, _setup.Device);
        using var loss = new NTXentLoss(_setup.Options.Temperature);
        using var optimizer = optim.SGD(model.parameters(), _setup.Options.LearningRate, momentum: _setup.Options.Momentum,
            weight_decay: _setup.Options.WeightDecay, nesterov: false);

        var loop = _setup.Loop(ScanStage.Pretext, _setup.Options.Epochs, _setup.Options.BatchSize, dataset, model, optimizer, checkpointPath, progress);
        int steps = loop.StepsPerEpoch;
        var schedule = new CosineSchedule(_setup.Options.LearningRate, _setup.Options.FinalLearningRateFraction,
            (long)_setup.Options.WarmupEpochs * steps, (long)_setup.Options.Epochs * steps);

        var history = loop.Run((epoch, step) =>
        {
            double lr = schedule.RateAt((long)(epoch.Epoch - 1) * steps + step);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = lr;

            var images = source.Get(epoch.BatchIndices(step));
            var view1 = _views.Apply(images, epoch.Generator);
            var view2 = _views.Apply(images, epoch.Generator);
            var views = cat(new[] { view1, view2 }, 0);
            twin?.Pull();
            // One forward pass over both views, as the authors do: BatchNorm sees all 2B views. The loss is float32.
            var projections = compute.call(twin is null ? views : views.to(ScalarType.BFloat16))
                .to(ScalarType.Float32);                                            // shape: (2B, projection)
            var z = projections.chunk(2, 0);
            var value = loss.call(z[0], z[1]);

            optimizer.zero_grad();
            value.backward();
            twin?.PushGradients();
            optimizer.step();
            twin?.PushBuffers();
            return new Dictionary<string, double> { ["loss"] = value.item<float>(), ["lr"] = lr };
        }, cancellationToken);

        model.eval();
        return new SimClrResult(history);
    }
}
