using Scan.Augment.Internal;

namespace Scan.Augment.Recipes;

/// <summary>
/// Settings of <see cref="AugmentationRecipes.Strong"/>, SCAN's strong views for the clustering and self-labelling
/// steps. Defaults are the SCAN authors' CIFAR config: flip, random crop with padding 4, four ops with the ranges
/// below, normalisation, then one Cutout hole whose side is uniform in 1..half the image (1..16 on 32x32).
/// </summary>
public sealed class StrongViewOptions
{
    /// <summary>Chance of a horizontal flip (0.5).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Padding of the random crop, pixels (4, the authors' CIFAR value); 0 disables the crop.</summary>
    public int CropPadding { get; init; } = 4;

    /// <summary>Ops drawn per sample (4).</summary>
    public int NumOps { get; init; } = 4;

    /// <summary>Rotate draws angles in [−value, value] degrees (30).</summary>
    public double MaxRotateDegrees { get; init; } = 30;

    /// <summary>ShearX/ShearY draw factors in [−value, value] (0.1).</summary>
    public double MaxShear { get; init; } = 0.1;

    /// <summary>TranslateX/TranslateY draw shifts in [−value, value] of the width/height (0.1).</summary>
    public double MaxTranslate { get; init; } = 0.1;

    /// <summary>Smallest factor of Color, Contrast, Brightness and Sharpness (0.05).</summary>
    public double MinEnhanceFactor { get; init; } = 0.05;

    /// <summary>Largest factor of Color, Contrast, Brightness and Sharpness (0.95).</summary>
    public double MaxEnhanceFactor { get; init; } = 0.95;

    /// <summary>Largest Solarize threshold in intensity units (256/255: the authors' 8-bit range 0..256).</summary>
    public double MaxSolarizeThreshold { get; init; } = 256.0 / 255.0;

    /// <summary>Fewest bits Posterize keeps (4).</summary>
    public int MinPosterizeBits { get; init; } = 4;

    /// <summary>Most bits Posterize keeps (8).</summary>
    public int MaxPosterizeBits { get; init; } = 8;

    /// <summary>Cutout side (or largest side, see <see cref="CutoutRandomSize"/>) in pixels; null for half the shorter image side.</summary>
    public int? CutoutSize { get; init; }

    /// <summary>Draw the Cutout side per sample from 1..<see cref="CutoutSize"/>, as the authors' configs (true).</summary>
    public bool CutoutRandomSize { get; init; } = true;

    /// <summary>Whether the recipe ends with Cutout at all (true).</summary>
    public bool UseCutout { get; init; } = true;

    internal void Validate()
    {
        const string prefix = nameof(StrongViewOptions) + ".";
        Guard.Probability(FlipProbability, prefix + nameof(FlipProbability));
        if (CropPadding < 0)
            throw new ArgumentOutOfRangeException(prefix + nameof(CropPadding), CropPadding, $"{prefix}{nameof(CropPadding)} must be >= 0 pixels, got {CropPadding}.");
        Guard.Positive(NumOps, prefix + nameof(NumOps));
        Guard.InRange(MaxRotateDegrees, 0, 360, prefix + nameof(MaxRotateDegrees));
        Guard.InRange(MaxShear, 0, 1, prefix + nameof(MaxShear));
        Guard.InRange(MaxTranslate, 0, 1, prefix + nameof(MaxTranslate));
        Guard.Interval(MinEnhanceFactor, MaxEnhanceFactor, 0, 10, prefix + nameof(MinEnhanceFactor), prefix + nameof(MaxEnhanceFactor));
        Guard.InRange(MaxSolarizeThreshold, 0, 2, prefix + nameof(MaxSolarizeThreshold));
        Guard.Interval(MinPosterizeBits, MaxPosterizeBits, 1, 8, prefix + nameof(MinPosterizeBits), prefix + nameof(MaxPosterizeBits));
        if (CutoutSize is { } size)
            Guard.Positive(size, prefix + nameof(CutoutSize));
    }
}
