using Microsoft.Extensions.Logging;
using Scan.Core.Data;
using Scan.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>
/// What the three trainers (<see cref="Pretext.SimClrTrainer"/>, <see cref="Clustering.ScanClusteringTrainer"/>,
/// <see cref="SelfLabeling.SelfLabelingTrainer"/>) share, written once: the options checked at construction and again when a
/// run starts (they are the caller's object and may have changed), the device, seed and logger, the start-of-run
/// checks of the dataset against the model, and the <see cref="EpochLoop"/> set-up.
/// </summary>
/// <typeparam name="TOptions">The stage's options type.</typeparam>
internal sealed class TrainerScaffold<TOptions> where TOptions : class
{
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public TrainerScaffold(TOptions options, Device? device, long seed, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options, nameof(options));
        Options = options;
        Device = device ?? CPU;
        Seed = seed;
        Logger = logger;
    }

    public TOptions Options { get; }
    public Device Device { get; }
    public long Seed { get; }
    public ILogger? Logger { get; }

    /// <summary>The checks at the start of <c>TrainAsync</c>: arguments present, options still valid, at least one
    /// batch of images, and the channels the model's backbone expects.</summary>
    /// <exception cref="ArgumentNullException">The model or the dataset is null.</exception>
    /// <exception cref="ArgumentException">The options became invalid, the dataset is smaller than a batch, or its
    /// channels do not match the backbone.</exception>
    public void CheckStart<TModel>(TModel model, IImageDataset dataset, Func<TModel, Backbone> backbone, int batchSize)
        where TModel : class
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        OptionsValidation.ThrowIfInvalid(Options, "options");
        EpochLoop.RequireBatchFits(dataset.Count, batchSize, nameof(dataset));
        EpochLoop.RequireChannels(dataset, backbone(model), nameof(dataset));
    }

    /// <summary>The epoch loop of one run with this trainer's seed and logger.</summary>
    public EpochLoop Loop(ScanStage stage, int epochs, int batchSize, IImageDataset dataset, nn.Module model,
        OptimizerHelper optimizer, string? checkpointPath, IProgress<ScanProgress>? progress,
        IReadOnlyList<Tensor>? state = null, int imagesPerStep = 0) => new()
    {
        Stage = stage,
        Epochs = epochs,
        DatasetSize = dataset.Count,
        BatchSize = batchSize,
        Seed = Seed,
        Model = model,
        Optimizer = optimizer,
        State = state,
        CheckpointPath = checkpointPath,
        Progress = progress,
        Logger = Logger,
        ImagesPerStep = imagesPerStep,
    };
}
