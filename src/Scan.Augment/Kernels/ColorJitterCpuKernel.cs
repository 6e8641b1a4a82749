using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// ColorJitter for contiguous float32 batches on the CPU: each chosen sample gets its own brightness, contrast,
/// saturation and hue adjustments in its own order, all in one visit of the sample (which stays in the L1 cache),
/// with SIMD vectors. Same definitions as <see cref="ColorKernels"/> (torchvision's), which remain in use on other
/// devices and are tested against this kernel.
/// </summary>
/// <remarks>
/// Batched tensor ops need the batch split by the position of each adjustment in each sample's random order: 16
/// gathers, 16 scatters and some 20 passes over memory per view. On the 28x28 batches SCAN trains on, that cost
/// about ten times this kernel.
/// </remarks>
internal static class ColorJitterCpuKernel
{
    // ITU-R 601-2 luma weights, as ColorKernels.
    private const float LumaRed = 0.2989f, LumaGreen = 0.587f, LumaBlue = 0.114f;

    // Below this many values per batch, splitting the work over threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    internal const int Brightness = 0, Contrast = 1, Saturation = 2, Hue = 3;

    internal static bool CanRun(Tensor images) =>
        images.device.type == DeviceType.CPU && images.dtype == ScalarType.Float32 && images.is_contiguous();

    /// <summary>
    /// Adjusts, in place, the samples <paramref name="samples"/> of <paramref name="images"/> (N, C, H, W): sample
    /// samples[j] gets adjustments orders[j, 0..3] (Brightness, Contrast, Saturation, Hue), skipping those not
    /// <paramref name="enabled"/>, with factors[adjustment][j] (hue: shift in turns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyInPlace(Tensor images, IReadOnlyList<long> samples, long[,] orders, float[][] factors, bool[] enabled)
    {
        var channels = (int)images.shape[1];
        var plane = (int)(images.shape[2] * images.shape[3]);
        var count = samples.Count;
        if (count == 0)
            return;
        var threads = (long)count * channels * plane >= ParallelThreshold ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (count + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var data = MemoryMarshal.Cast<byte, float>(images.bytes);
            var end = Math.Min(count, (t + 1) * perThread);
            for (var j = t * perThread; j < end; j++)
            {
                var image = data.Slice((int)samples[j] * channels * plane, channels * plane);
                for (var position = 0; position < 4; position++)
                {
                    var adjustment = (int)orders[j, position];
                    if (!enabled[adjustment])
                        continue;
                    var factor = factors[adjustment][j];
                    switch (adjustment)
                    {
                        case Brightness:
                            Scale(image, factor);
                            break;
                        case Contrast:
                            BlendWith(image, MeanLuma(image, channels, plane), factor);
                            break;
                        case Saturation:
                            BlendWithLuma(image, plane, factor);
                            break;
                        default:
                            HueCpuKernel.RotateImage(image, image, plane, factor * 6f);
                            break;
                    }
                }
            }
        });
    }

    /// <summary>clamp(x·factor, 0, 1): blend with black.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(Span<float> image, float factor)
    {
        var f = new Vector<float>(factor);
        var j = 0;
        for (; j + Vector<float>.Count <= image.Length; j += Vector<float>.Count)
            Clamp01(new Vector<float>(image[j..]) * f).CopyTo(image[j..]);
        for (; j < image.Length; j++)
            image[j] = Math.Clamp(image[j] * factor, 0f, 1f);
    }

    /// <summary>The mean of the image's luma (its mean when grey), from per-channel means as ColorKernels.Contrast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MeanLuma(ReadOnlySpan<float> image, int channels, int plane)
    {
        if (channels == 1)
            return Mean(image);
        return Mean(image[..plane]) * LumaRed + Mean(image.Slice(plane, plane)) * LumaGreen + Mean(image.Slice(2 * plane, plane)) * LumaBlue;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Mean(ReadOnlySpan<float> values)
    {
        // Summed in double: within float rounding of libtorch's mean.
        var sum = 0d;
        foreach (var v in values)
            sum += v;
        return (float)(sum / values.Length);
    }

    /// <summary>clamp(lerp(mean, x, factor), 0, 1): blend with a constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlendWith(Span<float> image, float mean, float factor)
    {
        var start = new Vector<float>(mean);
        var weight = new Vector<float>(factor);
        var j = 0;
        for (; j + Vector<float>.Count <= image.Length; j += Vector<float>.Count)
            Clamp01(Lerp(start, new Vector<float>(image[j..]), weight)).CopyTo(image[j..]);
        for (; j < image.Length; j++)
            image[j] = Math.Clamp(Lerp(mean, image[j], factor), 0f, 1f);
    }

    /// <summary>clamp(lerp(luma, x, factor), 0, 1) per channel; RGB only (grey images have no saturation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlendWithLuma(Span<float> image, int plane, float factor)
    {
        var r = image[..plane];
        var g = image.Slice(plane, plane);
        var b = image.Slice(2 * plane, plane);
        var weight = new Vector<float>(factor);
        var (lr, lg, lb) = (new Vector<float>(LumaRed), new Vector<float>(LumaGreen), new Vector<float>(LumaBlue));
        var j = 0;
        for (; j + Vector<float>.Count <= plane; j += Vector<float>.Count)
        {
            var (vr, vg, vb) = (new Vector<float>(r[j..]), new Vector<float>(g[j..]), new Vector<float>(b[j..]));
            var luma = vr * lr + vg * lg + vb * lb;
            Clamp01(Lerp(luma, vr, weight)).CopyTo(r[j..]);
            Clamp01(Lerp(luma, vg, weight)).CopyTo(g[j..]);
            Clamp01(Lerp(luma, vb, weight)).CopyTo(b[j..]);
        }

        for (; j < plane; j++)
        {
            var luma = r[j] * LumaRed + g[j] * LumaGreen + b[j] * LumaBlue;
            r[j] = Math.Clamp(Lerp(luma, r[j], factor), 0f, 1f);
            g[j] = Math.Clamp(Lerp(luma, g[j], factor), 0f, 1f);
            b[j] = Math.Clamp(Lerp(luma, b[j], factor), 0f, 1f);
        }
    }

    // libtorch's lerp: start + w·(end − start) for |w| < 0.5, else end − (end − start)·(1 − w).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Lerp(Vector<float> start, Vector<float> end, Vector<float> weight)
    {
        var small = Vector.LessThan(Vector.Abs(weight), new Vector<float>(0.5f));
        var difference = end - start;
        return Vector.ConditionalSelect(small, start + weight * difference, end - difference * (Vector<float>.One - weight));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lerp(float start, float end, float weight) =>
        MathF.Abs(weight) < 0.5f ? start + weight * (end - start) : end - (end - start) * (1f - weight);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Clamp01(Vector<float> x) => Vector.Min(Vector.Max(x, Vector<float>.Zero), Vector<float>.One);
}
