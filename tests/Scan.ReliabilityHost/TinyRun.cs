using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using TorchSharp;

namespace Scan.ReliabilityHost;

/// <summary>
/// A real SCAN pipeline, every stage on, sized for tests: 256 images of 16x16, width-16 small ResNet (libtorch 2.10
/// CPU gives NaN gradients for convolutions of 8 channels or fewer on 2 threads), batch 64, a few epochs per stage.
/// Used by the host process and, in process, by the tests.
/// </summary>
public static class TinyRun
{
    /// <summary>The pipeline for <paramref name="settings"/>.</summary>
    public static ScanPipeline Build(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = ScanPipeline.Create()
            .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
            .Configure(o =>
            {
                o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 };
                o.Augmentation.Weak = new Augment.Recipes.WeakViewOptions { CropPadding = 1 };
            })
            .WithPretext(o => { o.Epochs = settings.PretextEpochs; o.BatchSize = 64; o.ProjectionDim = 16; o.WarmupEpochs = 1; o.Temperature = 0.5; })
            .WithNeighbors(5)
            .WithClustering(o =>
            {
                o.Clusters = BandImages.Classes;
                o.Heads = 2;
                o.Epochs = settings.ClusteringEpochs;
                o.BatchSize = 64;
                o.UpdateBackbone = !settings.HeadsOnly;
                o.FeatureCachePasses = 2;
                o.LearningRate = settings.HeadsOnly ? 1e-2 : 1e-3;
            })
            .WithSelfLabeling(o =>
            {
                o.Epochs = settings.SelfLabelEpochs;
                o.BatchSize = 64;
                o.ConfidenceThreshold = 0.5;
                o.UseEma = settings.Ema;
                o.EmaDecay = 0.9;
            })
            .WithSeed(settings.Seed);
        if (settings.RunDirectory is not null)
            builder = builder.WithRunDirectory(settings.RunDirectory);
        return builder.Build();
    }

    /// <summary>Runs the pipeline on <see cref="BandImages"/> and summarises the result.</summary>
    public static async Task<RunSummary> RunAsync(HostSettings settings, IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Threads > 0)
            torch.set_num_threads(settings.Threads);
        IImageDataset dataset = settings.IdxDirectory is null
            ? BandImages.Create(settings.PerClass)
            : BandImages.CreateIdx(settings.IdxDirectory, settings.PerClass);
        using var owner = dataset as IDisposable;
        var pipeline = Build(settings);
        var clock = Stopwatch.StartNew();
        using var result = await pipeline.RunAsync(dataset, progress, cancellationToken).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;

        string indicesHash = "", similaritiesHash = "";
        if (settings.RunDirectory is not null)
        {
            var neighbors = NeighborSet.Load(Path.Combine(settings.RunDirectory, "mining", "neighbors.scan"));
            indicesHash = Sha256(MemoryMarshal.AsBytes(neighbors.Indices));
            similaritiesHash = Sha256(MemoryMarshal.AsBytes(neighbors.Similarities));
        }
        using var weights = new MemoryStream();
        using (var writer = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
            result.Model.Network.save(writer);

        var outcome = new RunOutcome
        {
            NeighborIndicesSha256 = indicesHash,
            NeighborSimilaritiesSha256 = similaritiesHash,
            Assignments = result.Assignments.ToArray(),
            ConfidencesSha256 = Sha256(MemoryMarshal.AsBytes(result.Confidences.ToArray().AsSpan())),
            ModelSha256 = Sha256(weights.GetBuffer().AsSpan(0, (int)weights.Length)),
            SelectedHead = result.SelectedHead,
            Accuracy = result.Evaluation!.Accuracy,
            Nmi = result.Evaluation.NormalizedMutualInformation,
            Ari = result.Evaluation.AdjustedRandIndex,
            Stages = result.Stages.Select(s => new StageOutcome
            {
                Stage = s.Stage.ToString(),
                Figures = new SortedDictionary<string, double>(s.Figures.ToDictionary()),
                Epochs = s.History.Select(h => (IReadOnlyDictionary<string, double>)new SortedDictionary<string, double>(h.Metrics.ToDictionary())).ToArray(),
                Accuracy = s.Evaluation?.Accuracy,
            }).ToArray(),
        };
        return new RunSummary
        {
            Outcome = outcome,
            LoadedStages = result.Stages.Where(s => s.Loaded).Select(s => s.Stage.ToString()).ToArray(),
            Threads = torch.get_num_threads(),
            ProcessId = Environment.ProcessId,
            Seconds = seconds,
        };
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
