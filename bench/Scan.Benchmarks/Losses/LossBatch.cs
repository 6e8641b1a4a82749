using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Losses;

/// <summary>
/// The inputs of one loss step at the benchmark size of issue 3: B = 512 images, C = 10 clusters, D = 128 projection
/// dimensions (SimCLR's batch and head width in the authors' CIFAR configs), float32 on the CPU. Built the same way
/// as bench/reference/losses_torch.py so both sides do the same work: half of the weak rows (the even ones) carry a
/// margin of 14 on cluster b mod C, so exactly 256 samples pass the 0.99 threshold.
/// </summary>
internal sealed class LossBatch : IDisposable
{
    public const int BatchSize = 512;
    public const int Clusters = 10;
    public const int ProjectionDim = 128;

    public LossBatch(ulong seed = 20200512)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed);
        View1 = randn(new long[] { BatchSize, ProjectionDim }, generator: generator).MoveToOuterDisposeScope();
        View2 = randn(new long[] { BatchSize, ProjectionDim }, generator: generator).MoveToOuterDisposeScope();
        Anchor = randn(new long[] { BatchSize, Clusters }, generator: generator).MoveToOuterDisposeScope();
        Neighbor = randn(new long[] { BatchSize, Clusters }, generator: generator).MoveToOuterDisposeScope();
        var weak = randn(new long[] { BatchSize, Clusters }, generator: generator);
        var rows = arange(0, BatchSize, 2);
        weak.index_put_(weak.index(rows, rows % Clusters) + 14, rows, rows % Clusters);
        Weak = weak.MoveToOuterDisposeScope();
        Strong = randn(new long[] { BatchSize, Clusters }, generator: generator).MoveToOuterDisposeScope();
    }

    public Tensor View1 { get; }
    public Tensor View2 { get; }
    public Tensor Anchor { get; }
    public Tensor Neighbor { get; }
    public Tensor Weak { get; }
    public Tensor Strong { get; }

    /// <summary>A fresh leaf over the same storage, so each step's gradient is allocated anew as in training.</summary>
    public static Tensor Leaf(Tensor t) => t.detach().requires_grad_(true);

    public void Dispose()
    {
        View1.Dispose();
        View2.Dispose();
        Anchor.Dispose();
        Neighbor.Dispose();
        Weak.Dispose();
        Strong.Dispose();
    }
}
