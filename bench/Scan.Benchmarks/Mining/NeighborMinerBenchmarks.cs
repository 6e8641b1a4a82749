using BenchmarkDotNet.Attributes;
using Scan.Benchmarks.Losses;
using Scan.Core.Mining;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Mining;

/// <summary>
/// Exact top-20 cosine neighbours of N = 10,000 random unit rows, D = 128, 2 threads: the fused CPU kernel against
/// the chunked tensor-product path (matrix product + top-k in libtorch) that CUDA devices and CPUs without
/// AVX-512/AVX2+FMA/NEON use.
/// Run: dotnet run -c Release --project bench/Scan.Benchmarks -- --filter '*NeighborMinerBenchmarks*'
/// </summary>
[InProcessShortRunJob]
[MemoryDiagnoser]
public class NeighborMinerBenchmarks
{
    private Tensor _features = null!;
    private NeighborMiner _kernel = null!;
    private NeighborMiner _tensorProducts = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        using var generator = new Generator(0, CPU);
        using var raw = randn(new long[] { 10_000, 128 }, generator: generator);
        _features = nn.functional.normalize(raw, p: 2, dim: 1);
        _kernel = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 20 });
        _tensorProducts = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 20, UseTensorProducts = true });
    }

    [GlobalCleanup]
    public void Cleanup() => _features.Dispose();

    [Benchmark(Baseline = true, Description = "fused CPU kernel (N=10k, D=128, K=20)")]
    public int Kernel() => _kernel.Mine(_features).GetIndices(0)[0];

    [Benchmark(Description = "chunked matmul + top-k (N=10k, D=128, K=20)")]
    public int TensorProducts() => _tensorProducts.Mine(_features).GetIndices(0)[0];
}
