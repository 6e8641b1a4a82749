using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// grid_sample (align_corners = false) for axis-aligned maps (x_in depends on x only, y_in on y only: crops,
/// resizes, flips, whole-pixel shifts) on contiguous float32 CPU batches. Each output pixel blends at most two
/// source columns of two source rows, with per-axis weights precomputed once per sample, in two separable passes.
/// </summary>
/// <remarks>
/// The crop, resize and flip of SimCLR's views is one such map per sample. libtorch's grid_sample needs a
/// (N, H, W, 2) grid and recomputes the weights per pixel; on 28x28 batches this kernel takes a fraction of that.
/// Padding: black outside the image, or (border) the coordinate clamped into the image, as grid_sample.
/// </remarks>
internal static class SeparableCpuResampler
{
    // Below this many output values per batch, splitting the work over threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    internal static bool CanRun(Tensor images, IReadOnlyList<Affine2D> transforms) =>
        images.device.type == DeviceType.CPU && images.dtype == ScalarType.Float32 && images.is_contiguous() &&
        transforms.All(t => t.B == 0 && t.D == 0);

    internal static Tensor Resample(Tensor images, IReadOnlyList<Affine2D> transforms, int outHeight, int outWidth, AffineSampling sampling)
    {
        var (n, channels, height, width) = ((int)images.shape[0], (int)images.shape[1], (int)images.shape[2], (int)images.shape[3]);
        var result = torch.empty([n, channels, outHeight, outWidth], ScalarType.Float32);
        if (n == 0)
            return result;
        var nearest = sampling.Interpolation != Interpolation.Bilinear;
        var border = sampling.Padding == AffinePadding.Border;
        var threads = (long)n * channels * outHeight * outWidth >= ParallelThreshold ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (n + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var columns = new Taps(outWidth);
            var rows = new Taps(outHeight);
            var rowBuffer = new float[width];
            var source = MemoryMarshal.Cast<byte, float>(images.bytes);
            var target = MemoryMarshal.Cast<byte, float>(result.bytes);
            for (var i = t * perThread; i < Math.Min(n, (t + 1) * perThread); i++)
            {
                var map = transforms[(int)i];
                columns.Fill(map.A, map.C, width, outWidth, nearest, border);
                rows.Fill(map.E, map.F, height, outHeight, nearest, border);
                var inSize = channels * height * width;
                var outSize = channels * outHeight * outWidth;
                ResampleImage(source.Slice((int)i * inSize, inSize), target.Slice((int)i * outSize, outSize), channels, height, width, outHeight, outWidth, rows, columns, rowBuffer);
            }
        });
        return result;
    }

    /// <summary>
    /// Two separable passes per channel: rows (two source rows blended over the full width, SIMD), then columns
    /// (two taps per output pixel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResampleImage(
        ReadOnlySpan<float> image, Span<float> output, int channels, int height, int width, int outHeight, int outWidth, Taps rows, Taps columns, Span<float> rowBuffer)
    {
        var (x0, x1, wx0, wx1) = (columns.First, columns.Second, columns.FirstWeight, columns.SecondWeight);
        for (var c = 0; c < channels; c++)
        {
            var plane = image.Slice(c * height * width, height * width);
            for (var yo = 0; yo < outHeight; yo++)
            {
                var rowA = plane.Slice(rows.First[yo] * width, width);
                var rowB = plane.Slice(rows.Second[yo] * width, width);
                var (wy0, wy1) = (new Vector<float>(rows.FirstWeight[yo]), new Vector<float>(rows.SecondWeight[yo]));
                var j = 0;
                for (; j + Vector<float>.Count <= width; j += Vector<float>.Count)
                    (new Vector<float>(rowA[j..]) * wy0 + new Vector<float>(rowB[j..]) * wy1).CopyTo(rowBuffer[j..]);
                for (; j < width; j++)
                    rowBuffer[j] = rowA[j] * rows.FirstWeight[yo] + rowB[j] * rows.SecondWeight[yo];

                var outRow = output.Slice((c * outHeight + yo) * outWidth, outWidth);
                for (var xo = 0; xo < outWidth; xo++)
                    outRow[xo] = rowBuffer[x0[xo]] * wx0[xo] + rowBuffer[x1[xo]] * wx1[xo];
            }
        }
    }

    /// <summary>
    /// The two source taps and weights of each output position along one axis: source coordinate
    /// s = scale·(o − (out − 1)/2) + offset + (size − 1)/2, as grid_sample. Taps outside the image get weight 0
    /// (and a valid index), which is black padding; border padding clamps s first.
    /// </summary>
    private sealed class Taps(int length)
    {
        internal int[] First { get; } = new int[length];

        internal int[] Second { get; } = new int[length];

        internal float[] FirstWeight { get; } = new float[length];

        internal float[] SecondWeight { get; } = new float[length];

        internal void Fill(double scale, double offset, int size, int outSize, bool nearest, bool border)
        {
            for (var o = 0; o < outSize; o++)
            {
                var s = scale * (o - (outSize - 1) / 2.0) + offset + (size - 1) / 2.0;
                if (border)
                    s = Math.Clamp(s, 0, size - 1);
                if (nearest)
                {
                    // Ties to even, as grid_sample's nearbyint.
                    var index = (int)Math.Round(s, MidpointRounding.ToEven);
                    Set(o, index, 1f, index + 1, 0f, size);
                    continue;
                }

                var low = (int)Math.Floor(s);
                var fraction = (float)(s - low);
                Set(o, low, 1f - fraction, low + 1, fraction, size);
            }
        }

        private void Set(int o, int first, float firstWeight, int second, float secondWeight, int size)
        {
            (First[o], FirstWeight[o]) = first >= 0 && first < size ? (first, firstWeight) : (0, 0f);
            (Second[o], SecondWeight[o]) = second >= 0 && second < size ? (second, secondWeight) : (0, 0f);
        }
    }
}
