using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// <see cref="ColorKernels.Hue"/> for contiguous float32 RGB batches on the CPU: the same closed-form HSV rotation,
/// evaluated pixel by pixel with SIMD vectors over the tensor's memory, one pass in and one pass out.
/// </summary>
/// <remarks>
/// The tensor form needs about twenty passes over image-sized buffers; on a 2-core CPU that made hue the most
/// expensive op of SimCLR's views (about 15 times this kernel's time on 28x28 batches). The arithmetic and its
/// order are those of the tensor form, which stays in use on other devices and is tested against this one.
/// </remarks>
internal static class HueCpuKernel
{
    // Below this many pixels per batch, splitting the work over threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    internal static bool CanRun(Tensor images) =>
        images.device.type == DeviceType.CPU && images.dtype == ScalarType.Float32 && images.shape[1] == 3 && images.is_contiguous();

    /// <summary>Rotates the hue of each sample of (N, 3, H, W) <paramref name="images"/> by its shift (turns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Hue(Tensor images, Tensor shifts)
    {
        var n = (int)images.shape[0];
        var plane = (int)(images.shape[2] * images.shape[3]);
        // Shifts in sixths of a turn, one per sample (shifts is (N, 1, 1, 1)).
        var sixthShifts = shifts.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        if (sixthShifts.Length != n)
            throw new ArgumentException($"Expected one hue shift per sample ({n}), got {sixthShifts.Length}.", nameof(shifts));
        for (var i = 0; i < n; i++)
            sixthShifts[i] *= 6f;
        var result = torch.empty_like(images);
        if (n == 0)
            return result;

        var threads = (long)n * plane >= ParallelThreshold ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (n + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var source = MemoryMarshal.Cast<byte, float>(images.bytes);
            var target = MemoryMarshal.Cast<byte, float>(result.bytes);
            var end = Math.Min(n, (t + 1) * perThread);
            for (var i = t * perThread; i < end; i++)
            {
                var offset = i * 3 * plane;
                RotateImage(source.Slice(offset, 3 * plane), target.Slice(offset, 3 * plane), plane, sixthShifts[i]);
            }
        });
        return result;
    }

    /// <summary>Rotates one (3, plane) image; <paramref name="source"/> and <paramref name="target"/> may be the same memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RotateImage(ReadOnlySpan<float> source, Span<float> target, int plane, float sixthShift)
    {
        var r = source[..plane];
        var g = source.Slice(plane, plane);
        var b = source.Slice(2 * plane, plane);
        var ro = target[..plane];
        var go = target.Slice(plane, plane);
        var bo = target.Slice(2 * plane, plane);
        var width = Vector<float>.Count;
        var (two, four, six) = (new Vector<float>(2f), new Vector<float>(4f), new Vector<float>(6f));
        var shift = new Vector<float>(sixthShift);
        var j = 0;
        for (; j + width <= plane; j += width)
        {
            var (vr, vg, vb) = (new Vector<float>(r[j..]), new Vector<float>(g[j..]), new Vector<float>(b[j..]));
            var max = Vector.Max(Vector.Max(vr, vg), vb);
            var chroma = max - Vector.Min(Vector.Min(vr, vg), vb);
            // Hue in sixths of a turn: red sector (g − b)/c, green 2 + (b − r)/c, blue 4 + (r − g)/c, ties red first.
            var numerator = Vector.ConditionalSelect(Vector.Equals(max, vr), vg - vb,
                Vector.ConditionalSelect(Vector.Equals(max, vg), vb - vr + two * chroma, vr - vg + four * chroma));
            var divisor = Vector.ConditionalSelect(Vector.Equals(chroma, Vector<float>.Zero), Vector<float>.One, chroma);
            var hue6 = Wrap6(numerator / divisor + shift, six);
            Channel(hue6, 5f, max, chroma, two, six).CopyTo(ro[j..]);
            Channel(hue6, 3f, max, chroma, two, six).CopyTo(go[j..]);
            Channel(hue6, 1f, max, chroma, two, six).CopyTo(bo[j..]);
        }

        for (; j < plane; j++)
        {
            var max = MathF.Max(MathF.Max(r[j], g[j]), b[j]);
            var chroma = max - MathF.Min(MathF.Min(r[j], g[j]), b[j]);
            var numerator = max == r[j] ? g[j] - b[j] : max == g[j] ? b[j] - r[j] + 2f * chroma : r[j] - g[j] + 4f * chroma;
            var hue6 = Wrap6(numerator / (chroma == 0f ? 1f : chroma) + sixthShift);
            ro[j] = Channel(hue6, 5f, max, chroma);
            go[j] = Channel(hue6, 3f, max, chroma);
            bo[j] = Channel(hue6, 1f, max, chroma);
        }
    }

    // v − c·clamp(2 − |k − 2|, 0, 1) with k = (h6 + offset) mod 6, as ColorKernels.Hue.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Channel(Vector<float> hue6, float offset, Vector<float> max, Vector<float> chroma, Vector<float> two, Vector<float> six)
    {
        var k = Wrap6(hue6 + new Vector<float>(offset), six);
        var ramp = Vector.Min(Vector.Max(two - Vector.Abs(k - two), Vector<float>.Zero), Vector<float>.One);
        return max - chroma * ramp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Channel(float hue6, float offset, float max, float chroma)
    {
        var k = Wrap6(hue6 + offset);
        return max - chroma * Math.Clamp(2f - MathF.Abs(k - 2f), 0f, 1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Wrap6(Vector<float> x, Vector<float> six) => x - six * Vector.Floor(x / six);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Wrap6(float x) => x - 6f * MathF.Floor(x / 6f);
}
