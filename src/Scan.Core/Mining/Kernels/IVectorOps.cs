namespace Scan.Core.Mining.Kernels;

/// <summary>
/// The few SIMD operations the cosine top-K kernel needs, for one vector type. The kernel is generic over this
/// interface so that the JIT specialises it for AVX-512, AVX2 or Arm NEON registers alike.
/// </summary>
/// <typeparam name="TVector">A vector of float32 lanes, e.g. <see cref="System.Runtime.Intrinsics.Vector512{T}"/>.</typeparam>
internal interface IVectorOps<TVector> where TVector : unmanaged
{
    /// <summary>Float32 lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>
    /// Anchor rows per register tile: a tile keeps rows x 2 accumulators live, plus two candidate vectors and one
    /// broadcast, so 12 rows (27 registers) where the ISA has 32 vector registers (AVX-512, Arm NEON) and 6 rows
    /// (15 registers) where it has 16 (AVX2).
    /// </summary>
    static abstract int TileRows { get; }

    /// <summary>True when the vector type maps to hardware registers (else the kernel would run in software).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>All lanes <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary>Loads <see cref="Count"/> floats starting <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TVector Load(ref float source, nuint offset);

    /// <summary><paramref name="a"/> x <paramref name="b"/> + <paramref name="c"/>, fused (one rounding) where the
    /// hardware has FMA, so every dot product is the same sequence of operations wherever it is computed.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>Lane-wise maximum.</summary>
    static abstract TVector Max(TVector a, TVector b);

    /// <summary>Bit i set when lane i of <paramref name="a"/> is at least lane i of <paramref name="b"/>.</summary>
    static abstract uint GreaterThanOrEqualMask(TVector a, TVector b);

    /// <summary>Stores all lanes to <paramref name="destination"/> (at least <see cref="Count"/> long).</summary>
    static abstract void Store(TVector a, Span<float> destination);
}
