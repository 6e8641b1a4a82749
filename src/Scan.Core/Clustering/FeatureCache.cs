using Scan.Augment;
using Scan.Core.Models;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>
/// Several augmented copies of the dataset, computed once with the backbone frozen (eval mode), so that training
/// the heads costs a matrix product per step instead of a backbone pass. With no backbone stage trained it holds what
/// the heads read (<see cref="ClusteringModel.HeadInput"/>); with the last stages trained
/// (<see cref="ScanClusteringOptions.FineTunedBackboneStages"/>) it holds the maps of the frozen first stages and the
/// pixel projection, and each step runs only the trained stages on them.
/// </summary>
internal sealed class FeatureCache : IDisposable
{
    private const int Chunk = 1024;

    private readonly ClusteringModel _model;
    private readonly int _lastStages;
    private readonly Tensor[] _passes;     // (N, HeadInputDim), or the first stages' maps (N, C', H', W')
    private readonly Tensor?[] _pixels;    // (N, PixelComponents) when stages are trained and the heads read pixels
    private Tensor? _firstPassInputs;      // pass 0's head inputs when stages are trained, computed on demand

    public FeatureCache(ClusteringModel model, BatchSource source, IAugmentation augmentation, int passes, long seed,
        int lastStages, CancellationToken cancellationToken)
    {
        _model = model;
        _lastStages = lastStages;
        model.Backbone.eval();
        _passes = new Tensor[passes];
        _pixels = new Tensor?[passes];
        using var noGrad = no_grad();
        for (int p = 0; p < passes; p++)
        {
            using var generator = new Generator(unchecked((ulong)EpochLoop.SeedFor(seed, -1 - p)));
            var parts = new List<Tensor>();
            var pixelParts = new List<Tensor>();
            foreach (var images in source.Chunks(Chunk, cancellationToken))
            {
                var views = augmentation.Apply(images.Images, generator);
                if (lastStages == 0)
                {
                    parts.Add(model.HeadInput(views).MoveToOuterDisposeScope());
                    continue;
                }
                var (maps, pixels) = model.FirstStages(views, lastStages);
                parts.Add(maps.MoveToOuterDisposeScope());
                if (pixels is not null)
                    pixelParts.Add(pixels.MoveToOuterDisposeScope());
            }
            _passes[p] = cat(parts, 0);
            _pixels[p] = pixelParts.Count > 0 ? cat(pixelParts, 0) : null;
            foreach (var part in parts.Concat(pixelParts))
                part.Dispose();
        }
    }

    /// <summary>Every image's head inputs from pass <paramref name="pass"/> (N x HeadInputDim), owned by the cache; with
    /// trained stages computed through them as they are now, without gradient (only pass 0 is kept).</summary>
    public Tensor Pass(int pass)
    {
        if (_lastStages == 0)
            return _passes[pass];
        if (pass != 0)
            throw new ArgumentOutOfRangeException(nameof(pass), pass, "With trained backbone stages only pass 0's head inputs are computed.");
        if (_firstPassInputs is null)
        {
            using var noGrad = no_grad();
            var parts = new List<Tensor>();
            long n = _passes[0].shape[0];
            for (long start = 0; start < n; start += Chunk)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(Chunk, n - start);
                parts.Add(_model.HeadInputFromFirstStages(_passes[0].narrow(0, start, length),
                    _pixels[0]?.narrow(0, start, length), _lastStages).MoveToOuterDisposeScope());
            }
            _firstPassInputs = cat(parts, 0);
            foreach (var part in parts)
                part.Dispose();
        }
        return _firstPassInputs;
    }

    /// <summary>Head inputs of <paramref name="indices"/> from pass <c>pass mod passes</c>, without backbone stages to train.</summary>
    public Tensor Features(int pass, Tensor indices) => Select(_passes, pass, indices);

    /// <summary>
    /// Head inputs of two sets of images, each from its own pass, through the trained last stages in one batch (so
    /// that their BatchNorm statistics cover both, as one backbone pass over anchors and neighbours would): shape
    /// (|first| + |second|, HeadInputDim), with gradient to the trained stages.
    /// </summary>
    public Tensor TrainedHeadInputs(int firstPass, Tensor first, int secondPass, Tensor second)
    {
        using var scope = NewDisposeScope();
        var maps = cat([Select(_passes, firstPass, first), Select(_passes, secondPass, second)], 0);
        var pixels = _pixels[0] is null ? null : cat([Select(_pixels, firstPass, first), Select(_pixels, secondPass, second)], 0);
        return _model.HeadInputFromFirstStages(maps, pixels, _lastStages).MoveToOuterDisposeScope();
    }

    /// <summary>Rows <paramref name="indices"/> of pass <c>pass mod passes</c> of <paramref name="cached"/>.</summary>
    private static Tensor Select(Tensor?[] cached, int pass, Tensor indices)
    {
        var rows = cached[((pass % cached.Length) + cached.Length) % cached.Length]!;
        return rows.index_select(0, indices.to(rows.device));
    }

    public void Dispose()
    {
        foreach (var t in _passes.Concat(_pixels).Append(_firstPassInputs))
            t?.Dispose();
    }
}
