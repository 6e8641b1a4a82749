using BenchmarkDotNet.Attributes;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Losses;

/// <summary>
/// Forward + backward of each SCAN loss at B = 512, C = 10, D = 128, float32, CPU, 2 threads. One operation is one
/// training step's loss: build the loss from fresh leaf inputs and backpropagate into them.
/// Run: dotnet run -c Release --project bench/Scan.Benchmarks -- --filter '*LossBenchmarks*'
/// On a shared or busy machine set OMP_WAIT_POLICY=PASSIVE: libtorch's OpenMP workers otherwise spin while waiting
/// and, with more runnable threads than cores, small ops slow down by 10-100x (measured here, see
/// bench/results/losses.md).
/// </summary>
[InProcessShortRunJob]
[MemoryDiagnoser]
public class LossBenchmarks
{
    private LossBatch _batch = null!;
    private NTXentLoss _ntXent = null!;
    private ScanLoss _scan = null!;
    private ConfidenceCrossEntropyLoss _confidence = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The machine's two cores, as the reference side sets them.
        torch.set_num_threads(2);
        _batch = new LossBatch();
        _ntXent = new NTXentLoss(0.1);
        _scan = new ScanLoss(5.0);
        _confidence = new ConfidenceCrossEntropyLoss(0.99, classBalance: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ntXent.Dispose();
        _batch.Dispose();
    }

    [Benchmark(Description = "NT-Xent fwd+bwd (B=512, D=128)")]
    public float NTXent()
    {
        using var scope = NewDisposeScope();
        var loss = _ntXent.forward(LossBatch.Leaf(_batch.View1), LossBatch.Leaf(_batch.View2));
        loss.backward();
        return loss.item<float>();
    }

    [Benchmark(Description = "SCAN loss fwd+bwd (B=512, C=10)")]
    public float Scan()
    {
        using var scope = NewDisposeScope();
        using var result = _scan.Compute(LossBatch.Leaf(_batch.Anchor), LossBatch.Leaf(_batch.Neighbor));
        result.Total.backward();
        return result.Total.item<float>();
    }

    [Benchmark(Description = "Confidence CE fwd+bwd (B=512, C=10, 256 confident)")]
    public float ConfidenceCrossEntropy()
    {
        using var scope = NewDisposeScope();
        using var result = _confidence.Compute(_batch.Weak, LossBatch.Leaf(_batch.Strong));
        result.Loss.backward();
        return result.Loss.item<float>();
    }
}
