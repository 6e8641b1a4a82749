using System.Runtime.Intrinsics;

namespace Scan.Core.Mining.Kernels;

/// <summary>512-bit lanes (AVX-512).</summary>
internal readonly struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static int TileRows => 12;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    public static uint GreaterThanOrEqualMask(Vector512<float> a, Vector512<float> b) => (uint)Vector512.ExtractMostSignificantBits(Vector512.GreaterThanOrEqual(a, b));
    public static void Store(Vector512<float> a, Span<float> destination) => a.CopyTo(destination);
}

/// <summary>256-bit lanes (AVX2 + FMA).</summary>
internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static int TileRows => 6;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public static uint GreaterThanOrEqualMask(Vector256<float> a, Vector256<float> b) => (uint)Vector256.ExtractMostSignificantBits(Vector256.GreaterThanOrEqual(a, b));
    public static void Store(Vector256<float> a, Span<float> destination) => a.CopyTo(destination);
}

/// <summary>128-bit lanes (used on Arm NEON, which has 32 vector registers; on x86 the wider types win).</summary>
internal readonly struct Vector128Ops : IVectorOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static int TileRows => 12;
    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    public static uint GreaterThanOrEqualMask(Vector128<float> a, Vector128<float> b) => (uint)Vector128.ExtractMostSignificantBits(Vector128.GreaterThanOrEqual(a, b));
    public static void Store(Vector128<float> a, Span<float> destination) => a.CopyTo(destination);
}
