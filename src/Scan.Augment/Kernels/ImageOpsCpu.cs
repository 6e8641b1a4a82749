using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scan.Augment.Kernels;

/// <summary>
/// The photometric ops on one (C, H, W) float image in managed memory, in place, with SIMD vectors: the same
/// definitions and float arithmetic as the tensor kernels (<see cref="ColorKernels"/>, <see cref="ToneKernels"/>,
/// <see cref="SharpnessKernel"/>), for the fused CPU kernels of <see cref="Ops.ColorJitter"/> and
/// <see cref="Ops.RandAugment"/>, which visit each image once while it sits in the cache.
/// </summary>
internal static class ImageOpsCpu
{
    private const float LumaRed = 0.2989f, LumaGreen = 0.587f, LumaBlue = 0.114f;

    // As ToneKernels: torchvision's float-to-uint8 conversion multiplies by 256 - 1e-3 and truncates.
    private const float ToByteScale = 255f + 1f - 1e-3f;

    private static int Width => Vector<float>.Count;

    /// <summary>clamp(x·factor, 0, 1): blend with black.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Brightness(Span<float> image, float factor)
    {
        var f = new Vector<float>(factor);
        var j = 0;
        for (; j + Width <= image.Length; j += Width)
            Clamp01(new Vector<float>(image[j..]) * f).CopyTo(image[j..]);
        for (; j < image.Length; j++)
            image[j] = Math.Clamp(image[j] * factor, 0f, 1f);
    }

    /// <summary>clamp(lerp(mean luma, x, factor), 0, 1): blend with the image's mean luma (its mean when grey).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Contrast(Span<float> image, int channels, int plane, float factor)
    {
        var mean = channels == 1
            ? Mean(image)
            : Mean(image[..plane]) * LumaRed + Mean(image.Slice(plane, plane)) * LumaGreen + Mean(image.Slice(2 * plane, plane)) * LumaBlue;
        var (start, weight) = (new Vector<float>(mean), new Vector<float>(factor));
        var j = 0;
        for (; j + Width <= image.Length; j += Width)
            Clamp01(Lerp(start, new Vector<float>(image[j..]), weight)).CopyTo(image[j..]);
        for (; j < image.Length; j++)
            image[j] = Math.Clamp(Lerp(mean, image[j], factor), 0f, 1f);
    }

    /// <summary>Saturation (PIL's Color): clamp(lerp(luma, x, factor), 0, 1) per channel; nothing to do on grey images.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Color(Span<float> image, int channels, int plane, float factor)
    {
        if (channels == 1)
            return;
        var r = image[..plane];
        var g = image.Slice(plane, plane);
        var b = image.Slice(2 * plane, plane);
        var weight = new Vector<float>(factor);
        var (lr, lg, lb) = (new Vector<float>(LumaRed), new Vector<float>(LumaGreen), new Vector<float>(LumaBlue));
        var j = 0;
        for (; j + Width <= plane; j += Width)
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

    /// <summary>clamp(lerp(smoothed, x, factor), 0, 1), smoothed = 3x3 SMOOTH filter on the interior, summed in the tensor kernel's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Sharpness(Span<float> image, int channels, int height, int width, float factor, Span<float> scratch)
    {
        if (height <= 2 || width <= 2)
            return;
        var plane = height * width;
        var degenerate = scratch[..image.Length];
        image.CopyTo(degenerate);
        for (var c = 0; c < channels; c++)
        {
            var source = image.Slice(c * plane, plane);
            var target = degenerate.Slice(c * plane, plane);
            for (var y = 1; y < height - 1; y++)
            {
                for (var x = 1; x < width - 1; x++)
                {
                    int above = (y - 1) * width + x, here = y * width + x, below = (y + 1) * width + x;
                    var rowAbove = source[above - 1] + source[above] + source[above + 1];
                    var rowHere = source[here - 1] + source[here] + source[here + 1];
                    var rowBelow = source[below - 1] + source[below] + source[below + 1];
                    target[here] = (source[here] * 4f + rowAbove + rowHere + rowBelow) / 13f;
                }
            }
        }

        var weight = new Vector<float>(factor);
        var j = 0;
        for (; j + Width <= image.Length; j += Width)
            Clamp01(Lerp(new Vector<float>(degenerate[j..]), new Vector<float>(image[j..]), weight)).CopyTo(image[j..]);
        for (; j < image.Length; j++)
            image[j] = Math.Clamp(Lerp(degenerate[j], image[j], factor), 0f, 1f);
    }

    /// <summary>x ≥ threshold → 1 − x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Solarize(Span<float> image, float threshold)
    {
        var t = new Vector<float>(threshold);
        var j = 0;
        for (; j + Width <= image.Length; j += Width)
        {
            var x = new Vector<float>(image[j..]);
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, t), Vector<float>.One - x, x).CopyTo(image[j..]);
        }

        for (; j < image.Length; j++)
            image[j] = image[j] >= threshold ? 1f - image[j] : image[j];
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of each 8-bit level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Posterize(Span<float> image, int bits)
    {
        var step = MathF.Pow(2f, 8 - bits);
        var (s, scale, top) = (new Vector<float>(step), new Vector<float>(ToByteScale), new Vector<float>(255f));
        var j = 0;
        for (; j + Width <= image.Length; j += Width)
        {
            var level = Vector.Min(Vector.Max(Vector.Floor(new Vector<float>(image[j..]) * scale), Vector<float>.Zero), top);
            (Vector.Floor(level / s) * s / top).CopyTo(image[j..]);
        }

        for (; j < image.Length; j++)
            image[j] = MathF.Floor(ToByte(image[j]) / step) * step / 255f;
    }

    /// <summary>Stretches each channel to [0, 1]; constant channels are left as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AutoContrast(Span<float> image, int channels, int plane)
    {
        for (var c = 0; c < channels; c++)
        {
            var channel = image.Slice(c * plane, plane);
            var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
            foreach (var v in channel)
                (min, max) = (MathF.Min(min, v), MathF.Max(max, v));
            if (max == min)
                continue;
            var scale = 1f / (max - min);
            var (vmin, vscale) = (new Vector<float>(min), new Vector<float>(scale));
            var j = 0;
            for (; j + Width <= plane; j += Width)
                Clamp01((new Vector<float>(channel[j..]) - vmin) * vscale).CopyTo(channel[j..]);
            for (; j < plane; j++)
                channel[j] = Math.Clamp((channel[j] - min) * scale, 0f, 1f);
        }
    }

    /// <summary>torchvision's equalize per channel, on the 8-bit levels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Equalize(Span<float> image, int channels, int plane)
    {
        Span<int> histogram = stackalloc int[256];
        Span<float> lut = stackalloc float[256];
        for (var c = 0; c < channels; c++)
        {
            var channel = image.Slice(c * plane, plane);
            histogram.Clear();
            var brightest = 0;
            foreach (var v in channel)
            {
                var level = (int)ToByte(v);
                histogram[level]++;
                brightest = Math.Max(brightest, level);
            }

            // step = (sum of the non-zero bins but the last) // 255; the last non-zero bin is the brightest level.
            var step = (plane - histogram[brightest]) / 255;
            var cumulative = 0;
            for (var level = 0; level < 256; level++)
            {
                // A step of 0 (a near-constant channel) keeps the levels.
                lut[level] = (step == 0 ? level : Math.Min(255, (cumulative + step / 2) / step)) / 255f;
                cumulative += histogram[level];
            }

            for (var j = 0; j < plane; j++)
                channel[j] = lut[(int)ToByte(channel[j])];
        }
    }

    /// <summary>Replaces an RGB image by its luma in all three channels (rgb_to_grayscale with 3 output channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Grayscale(Span<float> image, int plane)
    {
        var r = image[..plane];
        var g = image.Slice(plane, plane);
        var b = image.Slice(2 * plane, plane);
        var (lr, lg, lb) = (new Vector<float>(LumaRed), new Vector<float>(LumaGreen), new Vector<float>(LumaBlue));
        var j = 0;
        for (; j + Width <= plane; j += Width)
        {
            var luma = new Vector<float>(r[j..]) * lr + new Vector<float>(g[j..]) * lg + new Vector<float>(b[j..]) * lb;
            luma.CopyTo(r[j..]);
            luma.CopyTo(g[j..]);
            luma.CopyTo(b[j..]);
        }

        for (; j < plane; j++)
            r[j] = g[j] = b[j] = r[j] * LumaRed + g[j] * LumaGreen + b[j] * LumaBlue;
    }

    /// <summary>(x − mean) / std per channel; one statistic applies to every channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Normalize(Span<float> image, int channels, int plane, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        for (var c = 0; c < channels; c++)
        {
            var channel = image.Slice(c * plane, plane);
            var (m, s) = (mean[mean.Count == 1 ? 0 : c], std[std.Count == 1 ? 0 : c]);
            var (vm, vs) = (new Vector<float>(m), new Vector<float>(s));
            var j = 0;
            for (; j + Width <= plane; j += Width)
                ((new Vector<float>(channel[j..]) - vm) / vs).CopyTo(channel[j..]);
            for (; j < plane; j++)
                channel[j] = (channel[j] - m) / s;
        }
    }

    /// <summary>Sets rows [top, top + side) x columns [left, left + side), clipped, of every channel to <paramref name="fill"/>.</summary>
    internal static void FillSquare(Span<float> image, int channels, int height, int width, long top, long left, long side, float fill)
    {
        var (y0, y1) = ((int)Math.Clamp(top, 0, height), (int)Math.Clamp(top + side, 0, height));
        var (x0, x1) = ((int)Math.Clamp(left, 0, width), (int)Math.Clamp(left + side, 0, width));
        if (x1 <= x0)
            return;
        for (var c = 0; c < channels; c++)
            for (var y = y0; y < y1; y++)
                image.Slice((c * height + y) * width + x0, x1 - x0).Fill(fill);
    }

    /// <summary>The mean of a channel, summed in double: within float rounding of libtorch's mean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Mean(ReadOnlySpan<float> values)
    {
        var sum = 0d;
        foreach (var v in values)
            sum += v;
        return (float)(sum / values.Length);
    }

    /// <summary>The 8-bit level of a value, as ToneKernels.ToBytes: clamp(floor(x·(256 − 1e-3)), 0, 255).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ToByte(float value) => Math.Clamp(MathF.Floor(value * ToByteScale), 0f, 255f);

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
