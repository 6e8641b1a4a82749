using System.Globalization;
using Microsoft.Extensions.Logging;
using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.IO;
using Scan.Core.Mining;
using Scan.Core.Pipeline.Health;

namespace Scan.Core.Pipeline.Stages;

/// <summary>
/// Judges every self-labelling epoch without labels and keeps the best one, the clustering model (epoch 0)
/// included: self-labelling either improves on the clustering model by the judge's rule or leaves it as it was.
/// After each epoch the model predicts the clean images once. An epoch qualifies only when its cluster-size entropy
/// has not fallen by more than <see cref="SpreadDropShare"/> of ln K below the clustering model's: self-labelling's
/// known failure is drift into the clusters that were confident first, and merging clusters keeps more neighbour
/// pairs together by itself (Quick preset, seed 1 with pixel-weighted neighbours: pairs kept 82.3 % → 85.1 % while
/// the entropy fell 2.231 → 2.104 and the accuracy 0.609 → 0.581). Among qualifying epochs the one that keeps the
/// most mined neighbour pairs in one cluster (SCAN's own objective, read on hard assignments) wins; ties keep the
/// earlier epoch.
/// </summary>
internal sealed class SelfLabelingJudge : IDisposable
{
    /// <summary>An epoch whose size entropy fell by more than this share of ln K below the clustering model's does not
    /// qualify, whatever its other figures. Chosen small: at 1 % of ln K, the Quick preset with heads at lr 1e-2
    /// (seed 0, 2026-12-07) kept epoch 7, whose entropy had fallen by 0.94 % of ln K (2.248 → 2.226) while the pairs
    /// kept together rose 86.08 % → 86.25 %, at an accuracy 1.1 points below the clustering model's; at 0.5 % that
    /// epoch does not qualify. Over the earlier Quick self-labelling runs (BENCHMARKS.md) no epoch that lost accuracy
    /// passed either share; 1 % turned down one epoch that gained a point.</summary>
    internal const double SpreadDropShare = 0.005;

    private readonly ScanModel _model;
    private readonly StageContext _run;
    private readonly NeighborSet _neighbors;
    private readonly List<SelfLabelingEpoch> _epochs = new();
    private readonly string? _statePath;
    private readonly MemoryStream _clusteringModel = new();
    private MemoryStream? _best;
    private ScanPredictions? _bestPredictions;

    /// <param name="run">The run: its dataset, options, logger and (with labels) evaluation.</param>
    /// <param name="model">The clustering model, which self-labelling will train; its weights now are epoch 0's,
    /// kept here so <see cref="RestoreBest"/> can put them back.</param>
    /// <param name="neighbors">The mined neighbours whose pairs the rule counts.</param>
    /// <param name="before">The clustering model's predictions: epoch 0.</param>
    /// <param name="statePath">Where the judged epochs and the best epoch's weights are kept between epochs, so a run
    /// resumed from self-labelling's checkpoint judges as the uninterrupted run did; null without a run directory.</param>
    public SelfLabelingJudge(StageContext run, ScanModel model, NeighborSet neighbors, ScanPredictions before, string? statePath)
    {
        _run = run;
        _model = model;
        _neighbors = neighbors;
        _statePath = statePath;
        _bestPredictions = before;
        using (var writer = new BinaryWriter(_clusteringModel, System.Text.Encoding.UTF8, leaveOpen: true))
            model.Network.save(writer);
        _epochs.Add(Figures(0, before));
        BestEpoch = 0;
        Log(_epochs[0]);
        if (statePath is not null && File.Exists(statePath))
            Resume(statePath);
    }

    /// <summary>Epoch 0 (the clustering model) and every judged epoch, in order.</summary>
    public IReadOnlyList<SelfLabelingEpoch> Epochs => _epochs;

    /// <summary>The epoch kept so far (0: the clustering model).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The kept epoch's predictions on the clean images, after <see cref="RestoreBest"/> (predicted again only
    /// when the kept epoch was judged before the run was resumed).</summary>
    public ScanPredictions BestPredictions => _bestPredictions ??= _model.Predict(_run.Dataset);

    /// <summary>Called after an epoch has trained: predicts, scores, and snapshots the weights if the epoch is the best.</summary>
    public void Judge(int epoch)
    {
        // Killed after this epoch was judged but before its checkpoint: the resumed run trained it again, to the same
        // weights, and the saved judgement stands.
        if (epoch <= _epochs[^1].Epoch)
            return;
        var predictions = _model.Predict(_run.Dataset);
        var figures = Figures(epoch, predictions);
        _epochs.Add(figures);
        Log(figures);
        var best = _epochs[BestEpoch];
        if (!figures.LostSpread && figures.NeighborConsistency > best.NeighborConsistency)
        {
            BestEpoch = epoch;
            _bestPredictions = predictions;
            _best ??= new MemoryStream();
            _best.SetLength(0);
            using var writer = new BinaryWriter(_best, System.Text.Encoding.UTF8, leaveOpen: true);
            _model.Network.save(writer);
        }
        if (_statePath is not null)
            Save(_statePath);
    }

    private const string Magic = "SCANJDG1";

    /// <summary>The judged epochs, the kept epoch and (when it is not 0) its weights, written atomically.</summary>
    private void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(_epochs.Count);
        foreach (var e in _epochs)
        {
            writer.Write(e.Epoch);
            writer.Write(e.NeighborConsistency);
            writer.Write(e.ClusterSpread);
            writer.Write(e.Confident);
            writer.Write(e.LostSpread);
            writer.Write(e.Accuracy.HasValue);
            writer.Write(e.Accuracy ?? 0);
        }
        writer.Write(BestEpoch);
        if (BestEpoch > 0)
            writer.Write(_best!.ToArray());
    });

    private void Resume(string path)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), System.Text.Encoding.UTF8);
            if (reader.ReadString() != Magic)
                throw new InvalidDataException("wrong magic");
            int count = reader.ReadInt32();
            var epochs = new List<SelfLabelingEpoch>(count);
            for (int i = 0; i < count; i++)
            {
                epochs.Add(new SelfLabelingEpoch(reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(),
                    reader.ReadBoolean(), reader.ReadBoolean() ? reader.ReadDouble() : SkipDouble(reader)));
            }
            int best = reader.ReadInt32();
            if (best > 0)
            {
                _best = new MemoryStream();
                reader.BaseStream.CopyTo(_best);
                _bestPredictions = null;
            }
            _epochs.Clear();
            _epochs.AddRange(epochs);
            BestEpoch = best;
            _run.Logger?.LogInformation("SelfLabeling judge: resumed with epochs 0-{Last} judged, epoch {Best} kept so far.", _epochs[^1].Epoch, best);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"The self-labelling judge's state {path} is damaged ({e.Message}); delete it and the stage's checkpoint to redo the stage.", e);
        }

        static double? SkipDouble(BinaryReader reader)
        {
            reader.ReadDouble();
            return null;
        }
    }

    /// <summary>Puts the kept epoch's weights back into the model (the clustering model's for epoch 0). A no-op when
    /// the last epoch is the kept one.</summary>
    public void RestoreBest()
    {
        if (BestEpoch == _epochs[^1].Epoch)
            return;
        var source = BestEpoch == 0 ? _clusteringModel : _best!;
        source.Position = 0;
        using var reader = new BinaryReader(source, System.Text.Encoding.UTF8, leaveOpen: true);
        _model.Network.load(reader, strict: true);
    }

    public void Dispose()
    {
        _clusteringModel.Dispose();
        _best?.Dispose();
    }

    /// <summary>An epoch's neighbour figure for a log line: the share kept, or that a cluster is empty (the -1).</summary>
    public static string DescribePairs(SelfLabelingEpoch e) => e.NeighborConsistency < 0
        ? "a cluster is empty"
        : string.Create(CultureInfo.InvariantCulture, $"neighbour pairs kept {e.NeighborConsistency:P2}");

    private SelfLabelingEpoch Figures(int epoch, ScanPredictions predictions)
    {
        int k = _run.Clusters;
        double spread = ClusterHealth.SizeEntropy(ClusterHealth.Sizes(predictions.Clusters, k));
        double floor = _epochs.Count == 0 ? double.NegativeInfinity : _epochs[0].ClusterSpread - SpreadDropShare * Math.Log(k);
        return new SelfLabelingEpoch(epoch,
            StageHealth.NeighborConsistency(predictions.Clusters, _neighbors, k),
            spread,
            predictions.Confidences.Count(c => c > _run.Options.SelfLabeling.ConfidenceThreshold),
            spread < floor,
            _run.Evaluate(predictions)?.Accuracy);
    }

    private void Log(SelfLabelingEpoch e) =>
        _run.Logger?.LogInformation("SelfLabeling judge, epoch {Epoch}: {Pairs}, size entropy {Spread:F3}, confident {Confident}{LostSpread}{Accuracy}",
            e.Epoch, DescribePairs(e),
            e.ClusterSpread, e.Confident, e.LostSpread ? " (lost spread: does not qualify)" : "",
            e.Accuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $", ACC {a:F4} (labels: reported, never used)") : "");
}
