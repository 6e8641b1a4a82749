using Scan.Augment;
using Scan.Core.Models;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Clustering;

/// <summary>
/// What the heads read (<see cref="ClusteringModel.HeadInput"/>) of several augmented copies of the dataset, computed
/// once with the backbone frozen (eval mode), so that training only the heads costs a matrix product per step instead
/// of a backbone pass.
/// </summary>
internal sealed class FeatureCache : IDisposable
{
    private readonly Tensor[] _passes;

    public FeatureCache(ClusteringModel model, BatchSource source, IAugmentation augmentation, int passes, long seed,
        CancellationToken cancellationToken)
    {
        model.Backbone.eval();
        _passes = new Tensor[passes];
        using var noGrad = no_grad();
        const int chunk = 1024;
        for (int p = 0; p < passes; p++)
        {
            using var generator = new Generator(unchecked((ulong)EpochLoop.SeedFor(seed, -1 - p)));
            var parts = new List<Tensor>();
            foreach (var images in source.Chunks(chunk, cancellationToken))
                parts.Add(model.HeadInput(augmentation.Apply(images.Images, generator)).MoveToOuterDisposeScope());
            _passes[p] = cat(parts, 0);   // shape: (N, HeadInputDim)
            foreach (var part in parts)
                part.Dispose();
        }
    }

    /// <summary>Every image's features from pass <paramref name="pass"/> (N x HeadInputDim), owned by the cache.</summary>
    public Tensor Pass(int pass) => _passes[pass];

    /// <summary>Features of <paramref name="indices"/> from pass <c>pass mod passes</c>.</summary>
    public Tensor Features(int pass, Tensor indices)
    {
        var cached = _passes[((pass % _passes.Length) + _passes.Length) % _passes.Length];
        return cached.index_select(0, indices.to(cached.device));
    }

    public void Dispose()
    {
        foreach (var t in _passes)
            t.Dispose();
    }
}
