using System.Runtime.CompilerServices;

namespace Scan.Core.Data;

/// <summary>
/// Copies one stored image into a batch, as bytes or as floats in [0, 1], transposing column-major planes (STL-10)
/// to rows on the way. Done in managed code in one pass: for a byte-to-float map this is cheaper than libtorch's
/// conversion kernels, whose intra-op threads cost more than the work when the machine is busy.
/// </summary>
internal static class PixelConversion
{
    /// <summary>b / 255 for every byte value b, computed with the same IEEE single-precision division as
    /// torchvision's ToTensor (<c>img.float().div(255)</c>), so results are bit-identical.</summary>
    private static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    // Both loops run for every pixel of every batch: compile them optimised from the first call (the first epoch
    // would otherwise run unoptimised tier-0 code until on-stack replacement kicks in).

    /// <summary>Writes <paramref name="image"/> (C, H, W bytes; or C planes of W columns of H bytes when
    /// <paramref name="columnMajor"/>) as (C, H, W) floats in [0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToUnitFloat(ReadOnlySpan<byte> image, Span<float> destination, int channels, int height, int width, bool columnMajor)
    {
        var scale = UnitScale.AsSpan();
        if (!columnMajor)
        {
            for (int i = 0; i < image.Length; i++)
                destination[i] = scale[image[i]];
            return;
        }

        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var source = image.Slice(c * plane, plane);
            var target = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    target[y * width + x] = scale[source[x * height + y]];
        }
    }

    /// <summary>As <see cref="ToUnitFloat"/>, keeping the bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyBytes(ReadOnlySpan<byte> image, Span<byte> destination, int channels, int height, int width, bool columnMajor)
    {
        if (!columnMajor)
        {
            image.CopyTo(destination);
            return;
        }

        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var source = image.Slice(c * plane, plane);
            var target = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    target[y * width + x] = source[x * height + y];
        }
    }
}
