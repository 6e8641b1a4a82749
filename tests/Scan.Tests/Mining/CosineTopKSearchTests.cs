using System.Runtime.Intrinsics;
using Scan.Core.Mining.Kernels;
using static TorchSharp.torch;

namespace Scan.Tests.Mining;

public class CosineTopKSearchTests
{
    public enum Isa { Avx512, Avx2, Vector128 }

    /// <summary>The vector widths this machine accelerates; the kernel specialises for each.</summary>
    private static IReadOnlyList<Isa> Accelerated { get; } = new[]
    {
        (Isa.Avx512, Vector512.IsHardwareAccelerated),
        (Isa.Avx2, Vector256.IsHardwareAccelerated),
        (Isa.Vector128, Vector128.IsHardwareAccelerated),
    }.Where(x => x.Item2).Select(x => x.Item1).ToArray();

    public static TheoryData<Isa> SupportedIsas() => new(Accelerated);

    private static (int[] Indices, float[] Similarities) Search(Isa isa, UnitRows unit, int k, int blockRows, int threads)
    {
        int n = unit.N;
        var indices = new int[n * k];
        var similarities = new float[n * k];
        switch (isa)
        {
            case Isa.Avx512:
                CosineTopKSearch.Run<Vector512Ops, Vector512<float>>(unit.Values, n, unit.D, k, blockRows, threads, indices, similarities, null, default);
                break;
            case Isa.Avx2:
                CosineTopKSearch.Run<Vector256Ops, Vector256<float>>(unit.Values, n, unit.D, k, blockRows, threads, indices, similarities, null, default);
                break;
            default:
                CosineTopKSearch.Run<Vector128Ops, Vector128<float>>(unit.Values, n, unit.D, k, blockRows, threads, indices, similarities, null, default);
                break;
        }

        return (indices, similarities);
    }

    private sealed record UnitRows(float[] Values, int N, int D);

    /// <summary>The rows scaled to unit norm, row-major, as the miner hands them to the kernel.</summary>
    private static UnitRows Unit(float[,] x)
    {
        using var t = tensor(x);
        using var unit = nn.functional.normalize(t, p: 2, dim: 1);
        return new UnitRows(unit.data<float>().ToArray(), x.GetLength(0), x.GetLength(1));
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void Every_instruction_set_matches_the_brute_force(Isa isa)
    {
        // 203 rows: several blocks of every tile shape, with a partial last block.
        var x = MiningData.GaussianWithDuplicates(n: 203, d: 13, seed: 11);
        var unit = Unit(x);

        var (indices, similarities) = Search(isa, unit, k: 12, blockRows: 50, threads: 2);
        var (expectedIndices, expectedSimilarities) = BruteForceNeighbors.Compute(x, 12);

        indices.Should().Equal(expectedIndices);
        similarities.Should().Equal(expectedSimilarities.Select(s => (float)s), (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void Instruction_sets_block_sizes_and_thread_counts_give_bit_identical_results()
    {
        // Each similarity is the same chain of fused multiply-adds over the features in every variant.
        var x = MiningData.GaussianWithDuplicates(n: 301, d: 20, seed: 12);
        var unit = Unit(x);
        var reference = Search(Accelerated[0], unit, k: 7, blockRows: 1000, threads: 1);

        foreach (var isa in Accelerated)
            foreach (var (block, threads) in new[] { (1, 1), (60, 3), (150, 2), (1000, 4) })
            {
                var (indices, similarities) = Search(isa, unit, 7, block, threads);
                indices.Should().Equal(reference.Indices, "{0}, block {1}, {2} threads", isa, block, threads);
                similarities.Should().Equal(reference.Similarities, "{0}, block {1}, {2} threads", isa, block, threads);
            }
    }

    [Fact]
    public void Blocks_are_whole_register_tiles_in_both_directions()
    {
        // AVX-512: tiles of 12 anchors x 32 candidates, so blocks are multiples of 96; AVX2: 6 x 16, multiples of 48.
        CosineTopKSearch.BlockRows<Vector512Ops, Vector512<float>>(256, 70_000).Should().Be(288);
        CosineTopKSearch.BlockRows<Vector512Ops, Vector512<float>>(1, 70_000).Should().Be(96);
        CosineTopKSearch.BlockRows<Vector256Ops, Vector256<float>>(256, 70_000).Should().Be(288);
        CosineTopKSearch.BlockRows<Vector256Ops, Vector256<float>>(50, 70_000).Should().Be(96);
        // Never more than one block's worth of padding beyond N.
        CosineTopKSearch.BlockRows<Vector512Ops, Vector512<float>>(256, 20).Should().Be(96);
    }
}
