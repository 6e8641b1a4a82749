using System.Diagnostics;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline.Health;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline.Stages;

/// <summary>Stage 2's outcome: the neighbours, and the k-means partition of the same features that the final
/// evaluation compares SCAN against (null when the neighbours were supplied or loaded, as the features then were not computed).</summary>
internal sealed record MiningOutcome(NeighborSet Neighbors, int[]? KMeansAssignments, MiningStageReport Report);

/// <summary>Stage 2: the caller's neighbours, those of a finished run, or embedding and mining.</summary>
internal static class MiningStage
{
    public static MiningOutcome Run(StageContext run, PretextOutcome pretext, NeighborSet? supplied)
    {
        var clock = Stopwatch.StartNew();
        var dataset = run.Dataset;
        MiningOutcome outcome;
        if (supplied is not null)
        {
            outcome = new MiningOutcome(supplied, null, Report(supplied, dataset, 0) with { Loaded = true });
        }
        else if (run.Finished(ScanStage.Mining) is { } done)
        {
            var loaded = NeighborSetFile.Load(run.Runs!.NeighborsPath);
            outcome = new MiningOutcome(loaded, null, done as MiningStageReport ?? Report(loaded, dataset, 0) with
            {
                Loaded = true, Health = done.Health, Evaluation = done.Evaluation, History = done.History,
            });
        }
        else
        {
            var (neighbors, health, kMeans) = Mine(run, pretext);
            if (run.Runs is { } runs)
                NeighborSetFile.Save(neighbors, runs.NeighborsPath);
            outcome = new MiningOutcome(neighbors, kMeans,
                run.Finish(Report(neighbors, dataset, clock.Elapsed.TotalSeconds) with { Health = run.Logged(health) }));
        }
        if (outcome.Neighbors.Count != dataset.Count)
            throw new ArgumentException($"The neighbours cover {outcome.Neighbors.Count} images, the dataset has {dataset.Count}.", nameof(dataset));
        run.Cancellation.ThrowIfCancellationRequested();
        return outcome;
    }

    /// <summary>Embeds, mines, checks the neighbours against augmented views, and clusters the same features with
    /// k-means for the final comparison (the baseline a user would otherwise try first).</summary>
    private static (NeighborSet, IReadOnlyList<HealthCheck>, int[]) Mine(StageContext run, PretextOutcome pretext)
    {
        var o = run.Options;
        var clock = Stopwatch.StartNew();
        var progress = run.Progress;
        // Forwarded on the mining thread: Progress<T> would post each report to the thread pool, where one could
        // reach the caller after RunAsync has returned (a test's disposed CancellationTokenSource crashed on it).
        var report = progress is null ? null : new ForwardingProgress<ImageProgress>(p => progress.Report(new ScanProgress(
            ScanStage.Mining, 1, 1, p.Completed, p.Total, new Dictionary<string, double>(), 0, clock.Elapsed, null, false)));
        // The authors mine on the L2-normalised projection of the pretext model; with a supplied backbone (no projection
        // head) or Mining.Features = Backbone, on the backbone's features.
        nn.Module<Tensor, Tensor> encoder = pretext.Contrastive is not null && o.Mining.Features == MiningFeatures.Projection
            ? pretext.Contrastive : pretext.Backbone;
        encoder.eval();
        using var features = FeatureExtractor.Embed(run.Dataset, encoder.call,
            new FeatureExtractorOptions { BatchSize = o.Mining.BatchSize, Preprocessing = run.Eval, Seed = (ulong)o.Seed, Device = run.Device },
            report, run.Cancellation);
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = o.Mining.NumNeighbors, Device = run.Device });
        var pretextNeighbors = miner.Mine(features, null, run.Cancellation);
        var views = AugmentationRecipes.SimClr(run.Normalization, o.Augmentation.SimClrViews);
        var agreement = StageHealth.NeighborAgreement(run.Dataset, features, pretextNeighbors, encoder.call, views, run.Device, (ulong)o.Seed, run.Cancellation);
        using var unit = nn.functional.normalize(features.to(ScalarType.Float32).cpu(), dim: 1);
        var neighbors = pretextNeighbors;
        if (o.Mining.PixelWeight > 0)
        {
            using var mixed = WithPixels(run, unit, o.Mining.PixelWeight);
            neighbors = miner.Mine(mixed, null, run.Cancellation);
        }
        var kMeans = KMeans.Fit(unit, new KMeansOptions { Clusters = o.Clustering.Clusters, Inits = 3, Seed = o.Seed });
        return (neighbors, new[] { agreement }, kMeans.Assignments);
    }

    /// <summary>[<paramref name="unit"/>, sqrt(w) p / |p|], <paramref name="unit"/> being the L2-normalised pretext
    /// features the k-means baseline also uses: its dot products are cos(features) + w cos(pixels). p is each image's
    /// pixels standardised per image and channel (mean 0, std 1), minus the dataset's mean of those: a tint, a
    /// brightness or a contrast that differs from image to image then counts for nothing, and shape counts for all
    /// (neighbour purity of Fashion-MNIST 2,000 with a random tint per image: 0.64 standardised, 0.40 merely centred).</summary>
    private static Tensor WithPixels(StageContext run, Tensor unit, double weight)
    {
        using var scope = NewDisposeScope();
        using var flat = FeatureExtractor.Embed(run.Dataset, ClusteringModel.StandardizedPixels,
            new FeatureExtractorOptions { BatchSize = run.Options.Mining.BatchSize, Preprocessing = run.Eval, Device = run.Device },
            null, run.Cancellation);
        var centred = nn.functional.normalize(flat - flat.mean([0], keepdim: true), dim: 1) * Math.Sqrt(weight);
        return cat([unit, centred], 1).MoveToOuterDisposeScope();
    }

    private static MiningStageReport Report(NeighborSet neighbors, IImageDataset dataset, double seconds)
    {
        var labels = dataset.Labels;
        return new MiningStageReport
        {
            Stage = ScanStage.Mining, Seconds = seconds, NumNeighbors = neighbors.NumNeighbors,
            NeighborPurity = labels is null ? null : NeighborPurity.Compute(neighbors, labels),
            NeighborPurityTop5 = labels is not null && neighbors.NumNeighbors >= 5 ? NeighborPurity.Compute(neighbors, labels, 5) : null,
            KnnAccuracy = labels is null ? null : KnnVote.Accuracy(neighbors, labels),
        };
    }
}
