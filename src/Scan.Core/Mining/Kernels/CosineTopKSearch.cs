using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Scan.Core.Mining.Kernels;

/// <summary>
/// Exact top-K by inner product of unit rows on the CPU, without storing scores: a register-tiled matrix product
/// whose tiles are compared with each anchor's current K-th similarity as soon as they are computed, so only the
/// rare entries that can still enter a top-K list leave the registers.
/// </summary>
/// <remarks>
/// <para>The similarity matrix is symmetric, so only block pairs (I, J) with J &gt;= I are computed; an
/// off-diagonal tile feeds both its rows (anchors of I, candidates of J) and its columns (anchors of J, candidates
/// of I). This halves the arithmetic of a plain product.</para>
/// <para>Every dot product is the same chain of fused multiply-adds over the features in order, whatever block or
/// tile it falls in and on whichever side of the diagonal, so sim(i, j) == sim(j, i) bit for bit and the result
/// depends neither on the block size nor on the number of threads: ties are exact and broken by index.</para>
/// <para>Workers take block pairs from a <see cref="BlockPairQueue"/>, which never hands out two pairs sharing a
/// block, and update one shared <see cref="TopKLists"/> without locks.</para>
/// </remarks>
internal static class CosineTopKSearch
{
    /// <summary>
    /// Runs the search with the widest vector type the hardware accelerates with fused multiply-add (see
    /// <see cref="InstructionSet"/>).
    /// </summary>
    /// <param name="unit">Unit rows, N x D, row-major; read only while the kernel lays them out.</param>
    /// <param name="n">Rows N.</param>
    /// <param name="d">Features per row D.</param>
    /// <param name="k">Neighbours per anchor, below N.</param>
    /// <param name="blockRows">Rows per block (rounded up to whole tiles).</param>
    /// <param name="threads">Worker threads, the calling thread included.</param>
    /// <param name="indices">Output, N x K.</param>
    /// <param name="similarities">Output, N x K.</param>
    /// <param name="progress">Called on the calling thread with (block pairs done, block pairs in all).</param>
    /// <param name="cancellationToken">Checked between block pairs.</param>
    /// <exception cref="PlatformNotSupportedException">No suitable vector type is accelerated here.</exception>
    public static void Run(float[] unit, int n, int d, int k, int blockRows, int threads, int[] indices, float[] similarities,
        Action<long, long>? progress, CancellationToken cancellationToken)
    {
        switch (InstructionSet)
        {
            case Avx512:
                Run<Vector512Ops, Vector512<float>>(unit, n, d, k, blockRows, threads, indices, similarities, progress, cancellationToken);
                break;
            case Avx2Fma:
                Run<Vector256Ops, Vector256<float>>(unit, n, d, k, blockRows, threads, indices, similarities, progress, cancellationToken);
                break;
            case Neon:
                Run<Vector128Ops, Vector128<float>>(unit, n, d, k, blockRows, threads, indices, similarities, progress, cancellationToken);
                break;
            default:
                throw new PlatformNotSupportedException("The CPU kernel needs AVX-512, AVX2 with FMA, or Arm64 NEON.");
        }
    }

    private const string Avx512 = "AVX-512", Avx2Fma = "AVX2+FMA", Neon = "Arm64 NEON";

    /// <summary>The vector instruction set <see cref="Run"/> uses on this machine, or null when it cannot run.</summary>
    public static string? InstructionSet { get; } =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? Avx512
        : Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated ? Avx2Fma
        : AdvSimd.Arm64.IsSupported && Vector128.IsHardwareAccelerated ? Neon
        : null;

    /// <summary>
    /// True when the kernel's re-ordered copies of N x D floats, padded to whole blocks (at most 2N + 96 rows), fit
    /// in managed arrays; beyond that (over 8 million rows of 128 features) the tensor path serves.
    /// </summary>
    public static bool Fits(int n, int d) => (2L * n + 96) * d <= Array.MaxLength;

    /// <summary>Rows per block: at least the request, capped near N, and a whole number of tiles both ways.</summary>
    internal static int BlockRows<TOps, TVector>(int requested, int n)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        int align = (int)(TOps.TileRows * 2L * TOps.Count / (long)BigInteger.GreatestCommonDivisor(TOps.TileRows, 2 * TOps.Count));
        int rows = Math.Clamp(requested, 1, n);
        return (rows + align - 1) / align * align;
    }

    /// <summary>The search with vector type <typeparamref name="TVector"/>; see <see cref="Run"/>.</summary>
    internal static void Run<TOps, TVector>(float[] unit, int n, int d, int k, int blockRows, int threads, int[] indices,
        float[] similarities, Action<long, long>? progress, CancellationToken cancellationToken)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        int block = BlockRows<TOps, TVector>(blockRows, n);
        int blocks = (n + block - 1) / block;
        int padded = blocks * block;
        var layout = new PackedRows(unit, n, d, padded, TOps.TileRows, TOps.Count);

        var queue = new BlockPairQueue(blocks);
        // More workers than blocks would only wait: each pair in work holds one or two blocks.
        int workers = Math.Clamp(threads, 1, blocks);
        // One set of lists for all workers: pairs in work never share a block, so they touch disjoint anchors.
        var lists = new TopKLists(padded, k);
        long done = 0;
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Worker 0 is the calling thread and alone reports progress, so reports arrive on the caller's thread.
        void Work(Action<long, long>? report)
        {
            try
            {
                var tile = new float[TOps.TileRows * 2 * TOps.Count];
                while (queue.TryClaim(stop.Token, out var pair))
                {
                    try
                    {
                        SearchBlockPair<TOps, TVector>(layout, pair.I * block, pair.J * block, block, n, lists, tile);
                    }
                    finally
                    {
                        queue.Release(pair);
                    }

                    long completed = Interlocked.Increment(ref done);
                    report?.Invoke(completed, queue.Count);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                stop.Cancel();
            }
        }

        var helpers = new Thread[workers - 1];
        for (int w = 1; w < workers; w++)
        {
            helpers[w - 1] = new Thread(() => Work(null)) { IsBackground = true, Name = $"Scan.NET kNN worker {w}" };
            helpers[w - 1].Start();
        }

        Work(progress);
        foreach (var helper in helpers)
            helper.Join();

        if (failure is not null)
            ExceptionDispatchInfo.Capture(failure).Throw();
        cancellationToken.ThrowIfCancellationRequested();
        // The helpers may have taken the last pairs (or all of them, for a small N): report completion here.
        progress?.Invoke(queue.Count, queue.Count);
        cancellationToken.ThrowIfCancellationRequested();
        lists.CopyTo(n, indices, similarities);
    }

    /// <summary>All tiles of a block pair: anchors from <paramref name="rowStart"/>, candidates from <paramref name="columnStart"/>.</summary>
    private static void SearchBlockPair<TOps, TVector>(PackedRows layout, int rowStart, int columnStart, int block, int n,
        TopKLists lists, float[] tile)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        bool diagonal = rowStart == columnStart;
        int columns = 2 * TOps.Count;
        for (int i0 = rowStart; i0 < rowStart + block && i0 < n; i0 += TOps.TileRows)
        {
            for (int j0 = columnStart; j0 < columnStart + block && j0 < n; j0 += columns)
            {
                TVector columnMax0, columnMax1;
                if (TOps.TileRows == 12)
                    ComputeTile12<TOps, TVector>(layout, i0, j0, tile, out columnMax0, out columnMax1);
                else
                    ComputeTile6<TOps, TVector>(layout, i0, j0, tile, out columnMax0, out columnMax1);
                OfferTile<TOps, TVector>(tile, i0, j0, n, lists, diagonal, columnMax0, columnMax1);
            }
        }
    }

    /// <summary>
    /// The 12 x (2 x width) similarities of anchors i0.. and candidates j0.., accumulated in 24 registers over the
    /// features, then stored row-major to <paramref name="tile"/>; also the column-wise maxima of both halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTile12<TOps, TVector>(PackedRows layout, int i0, int j0, float[] tile, out TVector columnMax0, out TVector columnMax1)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        int d = layout.Dimension, width = TOps.Count;
        ref float anchors = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(layout.AnchorTiles), (nint)i0 * d);
        ref float panel0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(layout.Panels), (nint)j0 * d);
        ref float panel1 = ref Unsafe.Add(ref panel0, (nint)width * d);
        var a0 = TOps.Zero; var b0 = TOps.Zero; var a1 = TOps.Zero; var b1 = TOps.Zero;
        var a2 = TOps.Zero; var b2 = TOps.Zero; var a3 = TOps.Zero; var b3 = TOps.Zero;
        var a4 = TOps.Zero; var b4 = TOps.Zero; var a5 = TOps.Zero; var b5 = TOps.Zero;
        var a6 = TOps.Zero; var b6 = TOps.Zero; var a7 = TOps.Zero; var b7 = TOps.Zero;
        var a8 = TOps.Zero; var b8 = TOps.Zero; var a9 = TOps.Zero; var b9 = TOps.Zero;
        var a10 = TOps.Zero; var b10 = TOps.Zero; var a11 = TOps.Zero; var b11 = TOps.Zero;
        // One feature per iteration: two candidate vectors times 12 broadcast anchor values, 24 fused multiply-adds
        // into 24 independent accumulators (enough chains to hide the FMA latency on two FMA pipes).
        for (int f = 0; f < d; f++)
        {
            var p0 = TOps.Load(ref panel0, 0);
            var p1 = TOps.Load(ref panel1, 0);
            var x = TOps.Broadcast(anchors); a0 = TOps.MultiplyAdd(x, p0, a0); b0 = TOps.MultiplyAdd(x, p1, b0);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 1)); a1 = TOps.MultiplyAdd(x, p0, a1); b1 = TOps.MultiplyAdd(x, p1, b1);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 2)); a2 = TOps.MultiplyAdd(x, p0, a2); b2 = TOps.MultiplyAdd(x, p1, b2);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 3)); a3 = TOps.MultiplyAdd(x, p0, a3); b3 = TOps.MultiplyAdd(x, p1, b3);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 4)); a4 = TOps.MultiplyAdd(x, p0, a4); b4 = TOps.MultiplyAdd(x, p1, b4);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 5)); a5 = TOps.MultiplyAdd(x, p0, a5); b5 = TOps.MultiplyAdd(x, p1, b5);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 6)); a6 = TOps.MultiplyAdd(x, p0, a6); b6 = TOps.MultiplyAdd(x, p1, b6);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 7)); a7 = TOps.MultiplyAdd(x, p0, a7); b7 = TOps.MultiplyAdd(x, p1, b7);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 8)); a8 = TOps.MultiplyAdd(x, p0, a8); b8 = TOps.MultiplyAdd(x, p1, b8);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 9)); a9 = TOps.MultiplyAdd(x, p0, a9); b9 = TOps.MultiplyAdd(x, p1, b9);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 10)); a10 = TOps.MultiplyAdd(x, p0, a10); b10 = TOps.MultiplyAdd(x, p1, b10);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 11)); a11 = TOps.MultiplyAdd(x, p0, a11); b11 = TOps.MultiplyAdd(x, p1, b11);
            anchors = ref Unsafe.Add(ref anchors, 12);
            panel0 = ref Unsafe.Add(ref panel0, width);
            panel1 = ref Unsafe.Add(ref panel1, width);
        }

        var span = tile.AsSpan();
        TOps.Store(a0, span); TOps.Store(b0, span[width..]);
        TOps.Store(a1, span[(2 * width)..]); TOps.Store(b1, span[(3 * width)..]);
        TOps.Store(a2, span[(4 * width)..]); TOps.Store(b2, span[(5 * width)..]);
        TOps.Store(a3, span[(6 * width)..]); TOps.Store(b3, span[(7 * width)..]);
        TOps.Store(a4, span[(8 * width)..]); TOps.Store(b4, span[(9 * width)..]);
        TOps.Store(a5, span[(10 * width)..]); TOps.Store(b5, span[(11 * width)..]);
        TOps.Store(a6, span[(12 * width)..]); TOps.Store(b6, span[(13 * width)..]);
        TOps.Store(a7, span[(14 * width)..]); TOps.Store(b7, span[(15 * width)..]);
        TOps.Store(a8, span[(16 * width)..]); TOps.Store(b8, span[(17 * width)..]);
        TOps.Store(a9, span[(18 * width)..]); TOps.Store(b9, span[(19 * width)..]);
        TOps.Store(a10, span[(20 * width)..]); TOps.Store(b10, span[(21 * width)..]);
        TOps.Store(a11, span[(22 * width)..]); TOps.Store(b11, span[(23 * width)..]);
        columnMax0 = TOps.Max(TOps.Max(TOps.Max(TOps.Max(a0, a1), TOps.Max(a2, a3)), TOps.Max(TOps.Max(a4, a5), TOps.Max(a6, a7))),
            TOps.Max(TOps.Max(a8, a9), TOps.Max(a10, a11)));
        columnMax1 = TOps.Max(TOps.Max(TOps.Max(TOps.Max(b0, b1), TOps.Max(b2, b3)), TOps.Max(TOps.Max(b4, b5), TOps.Max(b6, b7))),
            TOps.Max(TOps.Max(b8, b9), TOps.Max(b10, b11)));
    }

    /// <summary>As <see cref="ComputeTile12"/> with 6 anchor rows (12 accumulators), for ISAs with 16 vector registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTile6<TOps, TVector>(PackedRows layout, int i0, int j0, float[] tile, out TVector columnMax0, out TVector columnMax1)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        int d = layout.Dimension, width = TOps.Count;
        ref float anchors = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(layout.AnchorTiles), (nint)i0 * d);
        ref float panel0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(layout.Panels), (nint)j0 * d);
        ref float panel1 = ref Unsafe.Add(ref panel0, (nint)width * d);
        var a0 = TOps.Zero; var b0 = TOps.Zero; var a1 = TOps.Zero; var b1 = TOps.Zero;
        var a2 = TOps.Zero; var b2 = TOps.Zero; var a3 = TOps.Zero; var b3 = TOps.Zero;
        var a4 = TOps.Zero; var b4 = TOps.Zero; var a5 = TOps.Zero; var b5 = TOps.Zero;
        for (int f = 0; f < d; f++)
        {
            var p0 = TOps.Load(ref panel0, 0);
            var p1 = TOps.Load(ref panel1, 0);
            var x = TOps.Broadcast(anchors); a0 = TOps.MultiplyAdd(x, p0, a0); b0 = TOps.MultiplyAdd(x, p1, b0);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 1)); a1 = TOps.MultiplyAdd(x, p0, a1); b1 = TOps.MultiplyAdd(x, p1, b1);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 2)); a2 = TOps.MultiplyAdd(x, p0, a2); b2 = TOps.MultiplyAdd(x, p1, b2);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 3)); a3 = TOps.MultiplyAdd(x, p0, a3); b3 = TOps.MultiplyAdd(x, p1, b3);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 4)); a4 = TOps.MultiplyAdd(x, p0, a4); b4 = TOps.MultiplyAdd(x, p1, b4);
            x = TOps.Broadcast(Unsafe.Add(ref anchors, 5)); a5 = TOps.MultiplyAdd(x, p0, a5); b5 = TOps.MultiplyAdd(x, p1, b5);
            anchors = ref Unsafe.Add(ref anchors, 6);
            panel0 = ref Unsafe.Add(ref panel0, width);
            panel1 = ref Unsafe.Add(ref panel1, width);
        }

        var span = tile.AsSpan();
        TOps.Store(a0, span); TOps.Store(b0, span[width..]);
        TOps.Store(a1, span[(2 * width)..]); TOps.Store(b1, span[(3 * width)..]);
        TOps.Store(a2, span[(4 * width)..]); TOps.Store(b2, span[(5 * width)..]);
        TOps.Store(a3, span[(6 * width)..]); TOps.Store(b3, span[(7 * width)..]);
        TOps.Store(a4, span[(8 * width)..]); TOps.Store(b4, span[(9 * width)..]);
        TOps.Store(a5, span[(10 * width)..]); TOps.Store(b5, span[(11 * width)..]);
        columnMax0 = TOps.Max(TOps.Max(TOps.Max(a0, a1), TOps.Max(a2, a3)), TOps.Max(a4, a5));
        columnMax1 = TOps.Max(TOps.Max(TOps.Max(b0, b1), TOps.Max(b2, b3)), TOps.Max(b4, b5));
    }

    /// <summary>
    /// Offers the tile's similarities that can still enter a list: to the anchor rows (i, candidate j) and, off the
    /// diagonal, to the candidate rows (j, candidate i). One vector comparison per row (and per column half, against
    /// the column-wise maximum) yields a bit mask of the entries at or above the current thresholds; only those are
    /// visited, and once a row has seen a few thousand candidates they are rare.
    /// </summary>
    private static void OfferTile<TOps, TVector>(float[] tile, int i0, int j0, int n, TopKLists lists, bool diagonal,
        TVector columnMax0, TVector columnMax1)
        where TOps : struct, IVectorOps<TVector> where TVector : unmanaged
    {
        int width = TOps.Count, columns = 2 * width, tileRows = TOps.TileRows;
        ref float t = ref MemoryMarshal.GetArrayDataReference(tile);
        float[] worst = lists.Worst;
        for (int r = 0; r < tileRows; r++)
        {
            int row = i0 + r;
            if (row >= n)
                break;
            var threshold = TOps.Broadcast(worst[row]);
            uint mask = TOps.GreaterThanOrEqualMask(TOps.Load(ref t, (nuint)(r * columns)), threshold)
                | TOps.GreaterThanOrEqualMask(TOps.Load(ref t, (nuint)(r * columns + width)), threshold) << width;
            while (mask != 0)
            {
                int c = BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int column = j0 + c;
                float s = Unsafe.Add(ref t, r * columns + c);
                if (s >= worst[row] && column != row && column < n)
                    lists.Offer(row, column, s);
            }
        }

        if (diagonal)
            return;
        ref float columnWorst = ref MemoryMarshal.GetArrayDataReference(worst);
        for (int half = 0; half < 2; half++)
        {
            uint mask = TOps.GreaterThanOrEqualMask(half == 0 ? columnMax0 : columnMax1,
                TOps.Load(ref columnWorst, (nuint)(j0 + half * width)));
            while (mask != 0)
            {
                int lane = BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int column = j0 + half * width + lane;
                if (column >= n)
                    break;
                for (int r = 0; r < tileRows && i0 + r < n; r++)
                {
                    float s = Unsafe.Add(ref t, r * columns + half * width + lane);
                    if (s >= worst[column])
                        lists.Offer(column, i0 + r, s);
                }
            }
        }
    }
}
