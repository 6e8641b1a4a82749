using System.Runtime.CompilerServices;
using Scan.Augment.Internal;

namespace Scan.Augment.Kernels;

/// <summary>
/// One image resampled through an <see cref="Affine2D"/> map in managed code, for <see cref="Ops.RandAugment"/>'s
/// fused CPU kernel: what grid_sample does (align_corners = false) for same-size output, nearest (ties to even, as
/// grid_sample) or bilinear, with black or edge padding.
/// </summary>
internal static class AffineCpuResampler
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Resample(Span<float> image, int channels, int height, int width, Affine2D map, AffineSampling sampling, Span<float> scratch)
    {
        var plane = height * width;
        var output = scratch[..image.Length];
        var (cx, cy) = ((width - 1) / 2.0, (height - 1) / 2.0);
        var nearest = sampling.Interpolation != Interpolation.Bilinear;
        var border = sampling.Padding == AffinePadding.Border;
        for (var yo = 0; yo < height; yo++)
        {
            var y = yo - cy;
            // Source position in pixel indices of the row's first pixel, then one step per output pixel.
            var rowX = map.B * y + map.C + cx - map.A * cx;
            var rowY = map.E * y + map.F + cy - map.D * cx;
            for (var xo = 0; xo < width; xo++)
            {
                var xs = rowX + map.A * xo;
                var ys = rowY + map.D * xo;
                var o = yo * width + xo;
                if (border)
                    (xs, ys) = (Math.Clamp(xs, 0, width - 1), Math.Clamp(ys, 0, height - 1));
                if (nearest)
                {
                    var (xi, yi) = ((int)Math.Round(xs, MidpointRounding.ToEven), (int)Math.Round(ys, MidpointRounding.ToEven));
                    var inside = xi >= 0 && xi < width && yi >= 0 && yi < height;
                    for (var c = 0; c < channels; c++)
                        output[c * plane + o] = inside ? image[c * plane + yi * width + xi] : 0f;
                    continue;
                }

                var (x0, y0) = ((int)Math.Floor(xs), (int)Math.Floor(ys));
                var (fx, fy) = ((float)(xs - x0), (float)(ys - y0));
                for (var c = 0; c < channels; c++)
                {
                    var channel = image.Slice(c * plane, plane);
                    output[c * plane + o] =
                        (At(channel, width, height, x0, y0) * (1 - fx) + At(channel, width, height, x0 + 1, y0) * fx) * (1 - fy) +
                        (At(channel, width, height, x0, y0 + 1) * (1 - fx) + At(channel, width, height, x0 + 1, y0 + 1) * fx) * fy;
                }
            }
        }

        output.CopyTo(image);
    }

    // A pixel, or black outside the image.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float At(ReadOnlySpan<float> channel, int width, int height, int x, int y) =>
        x >= 0 && x < width && y >= 0 && y < height ? channel[y * width + x] : 0f;
}
