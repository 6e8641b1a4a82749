using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Crops a random box of random area and aspect ratio from each sample and resizes it to the output size
/// (torchvision RandomResizedCrop, the first op of SimCLR's views). The box is drawn as torchvision draws it: up to
/// ten tries of area = U(scale) * H * W and log aspect ratio uniform, whole-pixel box, else a central crop.
/// </summary>
/// <remarks>
/// The crop and resize are one bilinear resampling of the whole image (fused with a following flip), so pixels at
/// the crop's edge interpolate with their true neighbours outside the box rather than being clamped to the box;
/// at the image border the edge pixel is repeated, as torchvision's resize does.
/// </remarks>
/// <example><code>var crop = new RandomResizedCrop(minScale: 0.2); // SimCLR: scale 0.2-1.0, aspect 3/4-4/3</code></example>
public sealed class RandomResizedCrop : IAffineAugmentation
{
    // torchvision tries ten boxes before falling back to a central crop.
    private const int Attempts = 10;

    /// <summary>Creates the op.</summary>
    /// <param name="height">Output height in pixels; null keeps the input height.</param>
    /// <param name="width">Output width in pixels; null keeps the input width.</param>
    /// <param name="minScale">Smallest box area as a fraction of the image, in (0, 1]; SimCLR uses 0.2 (the authors' configs).</param>
    /// <param name="maxScale">Largest box area as a fraction of the image, in [minScale, 1].</param>
    /// <param name="minAspectRatio">Smallest box width / height, > 0 (default 3/4, torchvision's).</param>
    /// <param name="maxAspectRatio">Largest box width / height, >= minAspectRatio (default 4/3).</param>
    /// <param name="interpolation">Resampling; bilinear as torchvision's default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, a scale outside (0, 1] or a ratio that is not positive and finite.</exception>
    /// <exception cref="ArgumentException">A minimum above its maximum.</exception>
    public RandomResizedCrop(
        int? height = null,
        int? width = null,
        double minScale = 0.2,
        double maxScale = 1.0,
        double minAspectRatio = 3.0 / 4.0,
        double maxAspectRatio = 4.0 / 3.0,
        Interpolation interpolation = Interpolation.Bilinear)
    {
        if (height is { } h)
            Guard.Positive(h, nameof(height));
        if (width is { } w)
            Guard.Positive(w, nameof(width));
        if (!(minScale > 0))
            throw new ArgumentOutOfRangeException(nameof(minScale), minScale, $"minScale must be in (0, 1], got {minScale}.");
        Guard.Interval(minScale, maxScale, 0, 1, nameof(minScale), nameof(maxScale));
        if (!(minAspectRatio > 0 && double.IsFinite(minAspectRatio)))
            throw new ArgumentOutOfRangeException(nameof(minAspectRatio), minAspectRatio, $"minAspectRatio must be positive and finite, got {minAspectRatio}.");
        Guard.Interval(minAspectRatio, maxAspectRatio, minAspectRatio, double.MaxValue, nameof(minAspectRatio), nameof(maxAspectRatio));
        (Height, Width, MinScale, MaxScale) = (height, width, minScale, maxScale);
        (MinAspectRatio, MaxAspectRatio, Interpolation) = (minAspectRatio, maxAspectRatio, interpolation);
    }

    /// <summary>Output height, or null for the input height.</summary>
    public int? Height { get; }

    /// <summary>Output width, or null for the input width.</summary>
    public int? Width { get; }

    /// <summary>Smallest box area as a fraction of the image.</summary>
    public double MinScale { get; }

    /// <summary>Largest box area as a fraction of the image.</summary>
    public double MaxScale { get; }

    /// <summary>Smallest box width / height.</summary>
    public double MinAspectRatio { get; }

    /// <summary>Largest box width / height.</summary>
    public double MaxAspectRatio { get; }

    /// <summary>Resampling used for the resize.</summary>
    public Interpolation Interpolation { get; }

    bool IAffineAugmentation.IsAffine => true;

    AffineSampling IAffineAugmentation.Sampling => new(Interpolation, AffinePadding.Border);

    (long Height, long Width) IAffineAugmentation.OutputSize(long height, long width) => (Height ?? height, Width ?? width);

    Affine2D[] IAffineAugmentation.DrawTransforms(long count, long height, long width, Generator generator)
    {
        var (outH, outW) = ((IAffineAugmentation)this).OutputSize(height, width);
        var area = (double)height * width;
        var (logMin, logMax) = (Math.Log(MinAspectRatio), Math.Log(MaxAspectRatio));
        var scales = RandomDraws.Uniform(count * Attempts, MinScale, MaxScale, generator);
        var logRatios = RandomDraws.Uniform(count * Attempts, logMin, logMax, generator);
        var positions = RandomDraws.Uniform(count * 2, 0, 1, generator);

        var transforms = new Affine2D[count];
        for (var i = 0; i < count; i++)
        {
            var (top, left, boxH, boxW) = CentralBox(height, width);
            for (var a = 0; a < Attempts; a++)
            {
                var k = i * Attempts + a;
                var targetArea = area * scales[k];
                var ratio = Math.Exp(logRatios[k]);
                // Math.Round rounds half to even, as Python's round() in torchvision.
                var w = (long)Math.Round(Math.Sqrt(targetArea * ratio));
                var h = (long)Math.Round(Math.Sqrt(targetArea / ratio));
                if (w > 0 && w <= width && h > 0 && h <= height)
                {
                    top = (long)Math.Floor(positions[2 * i] * (height - h + 1));
                    left = (long)Math.Floor(positions[2 * i + 1] * (width - w + 1));
                    (boxH, boxW) = (h, w);
                    break;
                }
            }

            transforms[i] = CropTransform(top, left, boxH, boxW, height, width, outH, outW);
        }

        return transforms;
    }

    /// <summary>torchvision's fallback: the largest central box whose aspect ratio is within range.</summary>
    private (long Top, long Left, long Height, long Width) CentralBox(long height, long width)
    {
        var inRatio = (double)width / height;
        long w = width, h = height;
        if (inRatio < MinAspectRatio)
            h = (long)Math.Round(w / MinAspectRatio);
        else if (inRatio > MaxAspectRatio)
            w = (long)Math.Round(h * MaxAspectRatio);
        return ((height - h) / 2, (width - w) / 2, h, w);
    }

    /// <summary>
    /// The map that resizes box (top, left, boxH, boxW) of a (height, width) image to (outH, outW), with
    /// align_corners = false sampling: output pixel centres spread evenly over the box, as torchvision's resize.
    /// </summary>
    internal static Affine2D CropTransform(long top, long left, long boxH, long boxW, long height, long width, long outH, long outW)
    {
        var sx = (double)boxW / outW;
        var sy = (double)boxH / outH;
        // Box centre minus image centre, in pixels.
        var cx = left + boxW / 2.0 - width / 2.0;
        var cy = top + boxH / 2.0 - height / 2.0;
        return new Affine2D(sx, 0, cx, 0, sy, cy);
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) => AffineResampler.ApplyAlone(this, images, generator);
}
