using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Training;
using Scan.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>
/// The clustering stage of SCAN (paper §2.2): each step takes a batch of anchors and one random mined neighbour of
/// each, both through the augmentation, and trains the cluster heads so that an image and its neighbour get the
/// same confident prediction (consistency) while the clusters stay balanced (entropy, weight λ). Adam optimiser.
/// After training, every head's SCAN loss is measured over the whole dataset and the lowest-loss head is selected.
/// </summary>
public sealed class ScanClusteringTrainer
{
    private readonly TrainerScaffold<ScanClusteringOptions> _setup;
    private readonly IAugmentation _augmentation;
    private readonly IAugmentation _evaluation;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">Stage settings; validated here.</param>
    /// <param name="augmentation">Applied to anchors and neighbours in training (the authors use the strong recipe).</param>
    /// <param name="evaluation">Applied when measuring each head's loss after training (normalisation only).</param>
    /// <param name="device">Where to train; the CPU by default.</param>
    /// <param name="seed">Seed of every random choice.</param>
    /// <param name="logger">Receives one line per epoch.</param>
    public ScanClusteringTrainer(ScanClusteringOptions options, IAugmentation augmentation, IAugmentation evaluation,
        Device? device = null, long seed = 0, ILogger? logger = null)
    {
        _setup = new TrainerScaffold<ScanClusteringOptions>(options, device, seed, logger);
        ArgumentNullException.ThrowIfNull(augmentation);
        ArgumentNullException.ThrowIfNull(evaluation);
        _augmentation = augmentation;
        _evaluation = evaluation;
    }

    /// <summary>Trains the heads (and, if <see cref="ScanClusteringOptions.UpdateBackbone"/>, the backbone) of
    /// <paramref name="model"/> on the neighbours <see cref="Mining.NeighborMiner"/> mined (or <see cref="Mining.NeighborSet.Load"/>
    /// loaded): the mining stage's own result, with no tensor for the caller to build and dispose.</summary>
    /// <param name="model">Backbone initialised from the pretext stage plus <see cref="ScanClusteringOptions.Heads"/> heads.</param>
    /// <param name="dataset">The images the neighbours were mined on.</param>
    /// <param name="neighbors">The mined neighbours, one row per image of <paramref name="dataset"/>.</param>
    /// <param name="checkpointPath">Checkpoint after every epoch; resumed from if present.</param>
    /// <param name="progress">Step and epoch reports.</param>
    /// <param name="cancellationToken">Stops between two steps.</param>
    /// <exception cref="ArgumentException">The options were changed to an invalid value after construction; the
    /// neighbours cover another number of images than the dataset holds, or K is not below the dataset size; the
    /// model's heads or channels do not fit the options or the dataset; or the dataset holds a NaN or infinite
    /// pixel.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a weight became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task<ScanClusteringResult> TrainAsync(ClusteringModel model, IImageDataset dataset, Mining.NeighborSet neighbors,
        string? checkpointPath = null, IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        ArgumentNullException.ThrowIfNull(dataset);
        if (neighbors.Count != dataset.Count)
            throw new ArgumentException($"The neighbours cover {neighbors.Count} images, the dataset has {dataset.Count}.", nameof(neighbors));
        using var indices = neighbors.ToIndexTensor();
        return await TrainAsync(model, dataset, indices, checkpointPath, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Trains the heads (and, if <see cref="ScanClusteringOptions.UpdateBackbone"/>, the backbone) of
    /// <paramref name="model"/> on neighbours given as a tensor: what the public overload runs, and what the tests use
    /// to hand in crafted (wrong-shaped, out-of-range) neighbours.</summary>
    /// <param name="model">Backbone initialised from the pretext stage plus <see cref="ScanClusteringOptions.Heads"/> heads.</param>
    /// <param name="dataset">The images neighbours were mined on.</param>
    /// <param name="neighbors">Mined neighbour indices, shape (N, K), int64 or int32, self excluded.</param>
    /// <param name="checkpointPath">Checkpoint after every epoch; resumed from if present.</param>
    /// <param name="progress">Step and epoch reports.</param>
    /// <param name="cancellationToken">Stops between two steps.</param>
    /// <exception cref="ArgumentException">The options were changed to an invalid value after construction; shapes
    /// or sizes do not fit together (neighbours not (N, K) with 1 &lt;= K &lt; N, an index outside [0, N), channels);
    /// or the dataset holds a NaN or infinite pixel.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a weight became NaN or infinite.</exception>
    internal Task<ScanClusteringResult> TrainAsync(ClusteringModel model, IImageDataset dataset, Tensor neighbors,
        string? checkpointPath = null, IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        _setup.CheckStart(model, dataset, m => m.Backbone, _setup.Options.BatchSize);
        ArgumentNullException.ThrowIfNull(neighbors);
        if (neighbors.dim() != 2 || neighbors.shape[0] != dataset.Count || neighbors.shape[1] < 1)
        {
            throw new ArgumentException(
                $"Expected neighbours of shape ({dataset.Count}, K), found ({string.Join(", ", neighbors.shape)}).",
                nameof(neighbors));
        }
        TensorArguments.RequireValues(neighbors, nameof(neighbors));
        if (neighbors.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"Expected int64 or int32 neighbour indices, found {neighbors.dtype}.", nameof(neighbors));
        if (neighbors.shape[1] >= dataset.Count)
        {
            throw new ArgumentException(
                $"Expected fewer than {dataset.Count} neighbours per image (the dataset size), found K = {neighbors.shape[1]}.",
                nameof(neighbors));
        }
        using (var low = neighbors.min())
        using (var high = neighbors.max())
        {
            long min = low.ToInt64(), max = high.ToInt64();
            if (min < 0 || max >= dataset.Count)
            {
                throw new ArgumentException(
                    $"Neighbour indices must lie in [0, {dataset.Count}), found {(min < 0 ? min : max)}.", nameof(neighbors));
            }
        }
        if (model.Clusters != _setup.Options.Clusters || model.HeadCount != _setup.Options.Heads)
        {
            throw new ArgumentException(
                $"The model has {model.HeadCount} head(s) of {model.Clusters} clusters; the options ask for " +
                $"{_setup.Options.Heads} of {_setup.Options.Clusters}.", nameof(model));
        }
        if (_setup.Options.PixelComponents >= dataset.Count)
        {
            throw new ArgumentException(
                $"PixelComponents ({_setup.Options.PixelComponents}) must be below the number of images ({dataset.Count}): " +
                $"{dataset.Count} images span at most {dataset.Count - 1} directions of pixel variation.", nameof(dataset));
        }
        if (_setup.Options.FineTunedBackboneStages > 0 && model.Backbone is not ResNetBackbone)
        {
            throw new ArgumentException(
                $"FineTunedBackboneStages ({_setup.Options.FineTunedBackboneStages}) needs a ResNetBackbone, whose stages are known; " +
                $"the model's backbone is a {model.Backbone.GetType().Name}. Set FineTunedBackboneStages to 0.", nameof(model));
        }
        if (model.PixelComponents != _setup.Options.PixelComponents)
        {
            throw new ArgumentException(
                $"The model's heads read {model.PixelComponents} pixel component(s); the options ask for " +
                $"{_setup.Options.PixelComponents} (build the ClusteringModel with ScanClusteringOptions.PixelComponents).", nameof(model));
        }

        return Task.Run(() => Train(model, dataset, neighbors, checkpointPath, progress, cancellationToken),
            cancellationToken);
    }

    private ScanClusteringResult Train(ClusteringModel model, IImageDataset dataset, Tensor neighborIndices,
        string? checkpointPath, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        model.to(_setup.Device);
        using var neighbors = CopyToCpuInt64(neighborIndices);
        using var source = new BatchSource(dataset, _setup.Device);
        if (model.PixelComponents > 0)
            FitPixelProjection(model, dataset, source);
        // With overclustering the loop trains heads of Overclustering·K outputs on the same backbone and pixel
        // projection; the model's own heads are fitted to their merged partitions once training ends.
        var trained = _setup.Options.Overclustering == 1 ? model : Overclustered(model, dataset);
        var headLoss = Enumerable.Range(0, trained.HeadCount).Select(h => new ScanLoss(_setup.Options.EntropyWeightOf(h))).ToArray();
        int lastStages = _setup.Options.FineTunedBackboneStages;
        using var optimizer = Optimizer(trained, lastStages);

        var loop = _setup.Loop(ScanStage.Clustering, _setup.Options.Epochs, _setup.Options.BatchSize, dataset, trained, optimizer, checkpointPath, progress,
            imagesPerStep: 2 * _setup.Options.BatchSize);

        // Built when the first epoch to run begins, after the loop has loaded a checkpoint into the model: features
        // of the backbone as it was before a resume would not be the checkpointed backbone's.
        FeatureCache? cache = null;
        try
        {
            int k = (int)neighbors.shape[1];
            var history = loop.Run((epoch, step) =>
            {
                var anchors = epoch.BatchIndices(step);
                var pick = randint(0, k, new long[] { anchors.shape[0] }, dtype: ScalarType.Int64, generator: epoch.Generator);
                var neighborIdx = neighbors.index_select(0, anchors).gather(1, pick.unsqueeze(1)).squeeze(1);

                Tensor anchorFeatures, neighborFeatures;
                if (_setup.Options.UpdateBackbone)
                {
                    var anchorImages = _augmentation.Apply(source.Get(anchors), epoch.Generator);
                    var neighborImages = _augmentation.Apply(source.Get(neighborIdx), epoch.Generator);
                    // One backbone pass for both, so BatchNorm statistics cover anchors and neighbours alike.
                    var features = trained.HeadInput(cat(new[] { anchorImages, neighborImages }, 0));
                    var halves = features.chunk(2, 0);
                    anchorFeatures = halves[0];
                    neighborFeatures = halves[1];
                }
                else if (lastStages > 0)
                {
                    // Two augmented passes as below, through the trained stages in one batch.
                    var halves = cache!.TrainedHeadInputs(epoch.Epoch - 1, anchors, epoch.Epoch, neighborIdx).chunk(2, 0);
                    anchorFeatures = halves[0];
                    neighborFeatures = halves[1];
                }
                else
                {
                    // Anchor and neighbour come from two different augmented passes.
                    anchorFeatures = cache!.Features(epoch.Epoch - 1, anchors);
                    neighborFeatures = cache.Features(epoch.Epoch, neighborIdx);
                }

                var results = Enumerable.Range(0, trained.HeadCount)
                    .Select(h => headLoss[h].Compute(trained.ForwardHead(h, anchorFeatures), trained.ForwardHead(h, neighborFeatures)))
                    .ToList();
                var total = stack(results.Select(r => r.Total).ToArray()).sum();

                optimizer.zero_grad();
                total.backward();
                optimizer.step();
                // The sum over heads is what is optimised; the report is per head (the mean), so that it reads on
                // the same scale as its parts: loss = consistency - λ·entropy, whatever the number of heads.
                return new Dictionary<string, double>
                {
                    ["loss"] = total.item<float>() / results.Count,
                    ["consistency"] = results.Average(r => (double)r.Consistency.item<float>()),
                    ["entropy"] = results.Average(r => (double)r.Entropy.item<float>()),
                };
            }, cancellationToken, beginEpoch: epoch =>
            {
                if (_setup.Options.UpdateBackbone)
                    return;
                bool fresh = cache is null && epoch.Epoch == 1;   // not resumed: the heads are still the initial ones
                cache ??= new FeatureCache(trained, source, _augmentation, _setup.Options.FeatureCachePasses, _setup.Seed,
                    lastStages, cancellationToken);
                trained.Backbone.eval();
                int fromKMeans = _setup.Options.KMeansInitializedHeads;
                if (fresh && fromKMeans > 0)
                {
                    KMeansHeadInitialization.Apply(trained, cache.Pass(0),
                        Enumerable.Range(trained.HeadCount - fromKMeans, fromKMeans).ToArray(), _setup.Seed, _setup.Logger, cancellationToken);
                }
                if (lastStages > 0)
                    ((ResNetBackbone)trained.Backbone).TrainLastStages(lastStages);
            });

            model.eval();   // the backbone both models share
            // One pass of the evaluation view serves merging (when overclustering) and the heads' evaluation: both
            // models read the same backbone and pixel projection.
            using var inputs = EvaluationInputs(model, source, cancellationToken);
            if (!ReferenceEquals(trained, model))
                MergeHeads(trained, model, inputs, neighbors, cancellationToken);
            var (headLosses, best, predictions) = EvaluateHeads(model, inputs, neighbors, headLoss, source.Count);
            model.SelectedHead = best;
            _setup.Logger?.LogInformation("Clustering: head losses {Losses}; selected head {Head}",
                string.Join(", ", headLosses.Select(h => h.Comparable.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) +
                                                       (h.Degenerate ? " (degenerate)" : ""))), best);
            if (headLosses.All(h => h.Degenerate))
                _setup.Logger?.LogWarning("Clustering: every head's partition is degenerate (an empty cluster or a cluster-size entropy below {Ratio}·ln K); the most balanced one is kept.", ClusterHealth.MinSizeEntropyRatio);
            return new ScanClusteringResult(history, headLosses, best) { Predictions = predictions };
        }
        finally
        {
            cache?.Dispose();
        }
    }

    /// <summary>Adam over what trains: the whole model, the heads alone, or the heads and the backbone's last stages,
    /// which keep their pretext features better at the smaller <see cref="ScanClusteringOptions.BackboneLearningRate"/>.</summary>
    private OptimizerHelper Optimizer(ClusteringModel trained, int lastStages)
    {
        var o = _setup.Options;
        if (o.UpdateBackbone)
            return optim.Adam(trained.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        if (lastStages == 0)
            return optim.Adam(trained.HeadParameters(), o.LearningRate, weight_decay: o.WeightDecay);
        var stages = ((ResNetBackbone)trained.Backbone).LastStageParameters(lastStages);
        return optim.Adam(new[]
        {
            new Adam.ParamGroup(trained.HeadParameters(), lr: o.LearningRate, weight_decay: o.WeightDecay),
            new Adam.ParamGroup(stages, lr: o.BackboneLearningRate, weight_decay: o.WeightDecay),
        }, o.LearningRate, weight_decay: o.WeightDecay);
    }

    /// <summary>Heads of Overclustering·K outputs on <paramref name="model"/>'s backbone and pixel projection, on its
    /// device. Not disposed: it shares the backbone, which the model owns; its heads are small.</summary>
    private ClusteringModel Overclustered(ClusteringModel model, IImageDataset dataset)
    {
        var twin = ClusteringModel.Create(model.Backbone, _setup.Options.Overclustering * model.Clusters, model.HeadCount,
            model.PixelComponents, dataset.Channels * dataset.Height * dataset.Width);
        twin.CopyPixelProjection(model);
        twin.to(_setup.Device);
        return twin;
    }

    /// <summary>What the heads read for every image on the evaluation view, (N, HeadInputDim) on the device, computed
    /// in chunks of <see cref="EvaluationChunk"/> images.</summary>
    private Tensor EvaluationInputs(ClusteringModel model, BatchSource source, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(unchecked((ulong)_setup.Seed));
        var chunks = new List<Tensor>();
        foreach (var images in source.Chunks(EvaluationChunk, cancellationToken))
            chunks.Add(model.HeadInput(_evaluation.Apply(images.Images, generator)).MoveToOuterDisposeScope());
        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    private const int EvaluationChunk = 1024;

    /// <summary>Each overclustered head's clusters merged into the model's K by their neighbour links
    /// (<see cref="ClusterMerging.Groups"/>), and the model's head of the same index fitted to the merged probabilities
    /// on <paramref name="inputs"/>, the evaluation view's features.</summary>
    private void MergeHeads(ClusteringModel over, ClusteringModel model, Tensor inputs, Tensor neighbors,
        CancellationToken cancellationToken)
    {
        for (int h = 0; h < over.HeadCount; h++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var headScope = NewDisposeScope();
            Tensor probabilities, targets;
            int[] groups;
            using (var noGrad = no_grad())
            {
                probabilities = over.ForwardHead(h, inputs).softmax(1).cpu();
                groups = ClusterMerging.Groups(probabilities, neighbors, model.Clusters);
                var membership = zeros(over.Clusters, model.Clusters);
                for (int c = 0; c < groups.Length; c++)
                    membership[c, groups[c]] = 1;
                targets = probabilities.matmul(membership);
            }
            var (weight, bias) = over.HeadWeights(h);
            ClusterMerging.FitHead(model, h, inputs, targets, weight, bias, groups);
            _setup.Logger?.LogInformation("Clustering: head {Head} merged {Over} clusters into {Clusters}: {Groups}", h, over.Clusters,
                model.Clusters, string.Join(" ", Enumerable.Range(0, model.Clusters).Select(g =>
                    "{" + string.Join(",", Enumerable.Range(0, groups.Length).Where(c => groups[c] == g)) + "}")));
        }
    }

    /// <summary>
    /// The label-free head choice: degenerate partitions are rejected first, then the lowest SCAN loss on the common
    /// λ scale wins. The loss alone is blind to collapse: a head that puts almost everything in one confident cluster
    /// can have the lowest consistency term. When every head is degenerate, the most balanced one is kept.
    /// Merged heads (<paramref name="merged"/>, from <see cref="ScanClusteringOptions.Overclustering"/>) are compared
    /// by the consistency term alone: their cluster sizes come from the neighbour links, and the entropy term would
    /// prefer the most nearly equal sizes again, which merging exists to avoid (on Fashion-MNIST 2,000 and its 10:1
    /// imbalanced subset the most balanced merged head was the least accurate; BENCHMARKS.md, 2026-12-07).
    /// </summary>
    internal static int SelectHead(IReadOnlyList<HeadLoss> heads, bool merged = false)
    {
        var usable = heads.Where(h => !h.Degenerate).ToList();
        return usable.Count > 0
            ? usable.OrderBy(h => merged ? h.Consistency : h.Comparable).ThenBy(h => h.Head).First().Head
            : heads.OrderByDescending(h => h.SizeEntropy).ThenBy(h => h.Head).First().Head;
    }

    /// <summary>The heads' pixel projection from the training images (a resumed run then loads the same values from
    /// its checkpoint): every image, or an evenly spaced sample of them when that would exceed 25 M values.</summary>
    private static void FitPixelProjection(ClusteringModel model, IImageDataset dataset, BatchSource source)
    {
        using var scope = NewDisposeScope();
        long perImage = dataset.Channels * (long)dataset.Height * dataset.Width;
        int sample = (int)Math.Min(source.Count, Math.Max(1000, 25_000_000 / perImage));
        var indices = linspace(0, source.Count - 1, sample, dtype: ScalarType.Float64).round().to(ScalarType.Int64);
        model.FitPixelProjection(source.Get(indices));
    }

    /// <summary>A CPU int64 copy the trainer owns (no intermediate tensor is left to the finaliser).</summary>
    private static Tensor CopyToCpuInt64(Tensor indices)
    {
        using var scope = NewDisposeScope();
        return indices.to(ScalarType.Int64, CPU, copy: true).MoveToOuterDisposeScope();
    }

    /// <summary>Each head's SCAN loss over the whole dataset: un-augmented images (<paramref name="inputs"/>, from
    /// <see cref="EvaluationInputs"/>), every anchor with all its neighbours; the head these select; and that head's
    /// predictions, computed as <see cref="Inference.ScanModel.Predict(Tensor, int)"/> computes them (softmax of the
    /// logits on the device, then the most probable cluster), so they are the trained model's predictions without a
    /// second pass.</summary>
    private (List<HeadLoss> Losses, int Best, Inference.ScanPredictions Predictions) EvaluateHeads(ClusteringModel model,
        Tensor inputs, Tensor neighbors, ScanLoss[] headLoss, int count)
    {
        using var noGrad = no_grad();
        var logits = new List<Tensor>[model.HeadCount];
        var probabilities = new List<Tensor>[model.HeadCount];
        for (int h = 0; h < model.HeadCount; h++)
        {
            logits[h] = new List<Tensor>();
            probabilities[h] = new List<Tensor>();
        }
        try
        {
            for (long start = 0; start < count; start += EvaluationChunk)
            {
                using var chunkScope = NewDisposeScope();
                var features = inputs.narrow(0, start, Math.Min(EvaluationChunk, count - start));
                for (int h = 0; h < model.HeadCount; h++)
                {
                    var headLogits = model.ForwardHead(h, features);
                    logits[h].Add(headLogits.cpu().MoveToOuterDisposeScope());
                    probabilities[h].Add(headLogits.softmax(1).cpu().MoveToOuterDisposeScope());
                }
            }
            var losses = HeadLosses(model, neighbors, headLoss, logits);
            int best = SelectHead(losses, merged: _setup.Options.Overclustering > 1);
            return (losses, best, Predictions(probabilities[best], count, model.Clusters));
        }
        finally
        {
            foreach (var t in logits.Concat(probabilities).SelectMany(list => list))
                t.Dispose();
        }
    }

    /// <summary>Cluster, confidence and probabilities of every image from the chunks of softmax outputs.</summary>
    private static Inference.ScanPredictions Predictions(List<Tensor> chunks, int n, int clusters)
    {
        var assigned = new int[n];
        var confidences = new float[n];
        var all = new float[(long)n * clusters];
        int start = 0;
        foreach (var p in chunks)
        {
            using var scope = NewDisposeScope();
            int count = (int)p.shape[0];
            var (top, index) = p.max(1);
            Array.Copy(index.to(ScalarType.Int32).data<int>().ToArray(), 0, assigned, start, count);
            Array.Copy(top.data<float>().ToArray(), 0, confidences, start, count);
            Array.Copy(p.data<float>().ToArray(), 0, all, (long)start * clusters, (long)count * clusters);
            start += count;
        }
        return new Inference.ScanPredictions(assigned, confidences, all, clusters, null);
    }

    private List<HeadLoss> HeadLosses(ClusteringModel model, Tensor neighbors, ScanLoss[] headLoss, List<Tensor>[] logits)
    {
        var result = new List<HeadLoss>();
        int k = (int)neighbors.shape[1];
        for (int h = 0; h < model.HeadCount; h++)
        {
            using var scope = NewDisposeScope();
            var all = cat(logits[h], 0);                                  // shape: (N, C)
            var anchors = all.repeat_interleave(k, dim: 0);                // shape: (N*K, C)
            var neighborLogits = all.index_select(0, neighbors.flatten()); // shape: (N*K, C)
            var r = headLoss[h].Compute(anchors, neighborLogits);
            var sizes = bincount(all.argmax(1), minlength: model.Clusters).data<long>().Select(v => (int)v).ToArray();
            double consistency = r.Consistency.item<float>(), entropy = r.Entropy.item<float>();
            result.Add(new HeadLoss(h, r.Total.item<float>(), consistency, entropy)
            {
                EntropyWeight = _setup.Options.EntropyWeightOf(h),
                // The same float arithmetic as the loss itself when λ is the common one, so a run with one λ
                // selects exactly the head it selected before heads could have their own λ.
                Comparable = _setup.Options.EntropyWeightOf(h) == _setup.Options.EntropyWeight
                    ? r.Total.item<float>()
                    : (float)(consistency - _setup.Options.EntropyWeight * entropy),
                ClusterSizes = sizes,
                SizeEntropy = ClusterHealth.SizeEntropy(sizes),
                Degenerate = ClusterHealth.IsDegenerate(sizes),
            });
        }
        return result;
    }
}
