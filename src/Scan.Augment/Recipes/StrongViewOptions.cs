using System.ComponentModel.DataAnnotations;
using Scan.Augment.Internal;

namespace Scan.Augment.Recipes;

/// <summary>
/// Settings of <see cref="AugmentationRecipes.Strong"/>, SCAN's strong views for the clustering and self-labelling
/// steps. Defaults are the SCAN authors' CIFAR config: flip, random crop with padding 4, four ops with the ranges
/// below, normalisation, then one Cutout hole whose side is uniform in 1..half the image (1..16 on 32x32).
/// </summary>
public sealed class StrongViewOptions : IValidatableObject
{
    /// <summary>Chance of a horizontal flip (0.5).</summary>
    [Range(0.0, 1.0, ErrorMessage = "FlipProbability must be a probability in [0, 1].")]
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Padding of the random crop, pixels (4, the authors' CIFAR value); 0 disables the crop.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "CropPadding must be >= 0 pixels.")]
    public int CropPadding { get; init; } = 4;

    /// <summary>Ops drawn per sample (4).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "NumOps must be >= 1.")]
    public int NumOps { get; init; } = 4;

    /// <summary>Rotate draws angles in [−value, value] degrees (30).</summary>
    [Range(0.0, 360.0, ErrorMessage = "MaxRotateDegrees must be in [0, 360].")]
    public double MaxRotateDegrees { get; init; } = 30;

    /// <summary>ShearX/ShearY draw factors in [−value, value] (0.1).</summary>
    [Range(0.0, 1.0, ErrorMessage = "MaxShear must be in [0, 1].")]
    public double MaxShear { get; init; } = 0.1;

    /// <summary>TranslateX/TranslateY draw shifts in [−value, value] of the width/height (0.1).</summary>
    [Range(0.0, 1.0, ErrorMessage = "MaxTranslate must be in [0, 1].")]
    public double MaxTranslate { get; init; } = 0.1;

    /// <summary>Smallest factor of Color, Contrast, Brightness and Sharpness (0.05).</summary>
    [Range(0.0, 10.0, ErrorMessage = "MinEnhanceFactor must be in [0, 10].")]
    public double MinEnhanceFactor { get; init; } = 0.05;

    /// <summary>Largest factor of Color, Contrast, Brightness and Sharpness (0.95).</summary>
    [Range(0.0, 10.0, ErrorMessage = "MaxEnhanceFactor must be in [0, 10].")]
    public double MaxEnhanceFactor { get; init; } = 0.95;

    /// <summary>Largest Solarize threshold in intensity units (256/255: the authors' 8-bit range 0..256).</summary>
    [Range(0.0, 2.0, ErrorMessage = "MaxSolarizeThreshold must be in [0, 2].")]
    public double MaxSolarizeThreshold { get; init; } = 256.0 / 255.0;

    /// <summary>Fewest bits Posterize keeps (4).</summary>
    [Range(1, 8, ErrorMessage = "MinPosterizeBits must be in [1, 8].")]
    public int MinPosterizeBits { get; init; } = 4;

    /// <summary>Most bits Posterize keeps (8).</summary>
    [Range(1, 8, ErrorMessage = "MaxPosterizeBits must be in [1, 8].")]
    public int MaxPosterizeBits { get; init; } = 8;

    /// <summary>Cutout side (or largest side, see <see cref="CutoutRandomSize"/>) in pixels; null for half the shorter image side.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "CutoutSize must be >= 1 (or null for half the shorter image side).")]
    public int? CutoutSize { get; init; }

    /// <summary>Draw the Cutout side per sample from 1..<see cref="CutoutSize"/>, as the authors' configs (true).</summary>
    public bool CutoutRandomSize { get; init; } = true;

    /// <summary>Whether the recipe ends with Cutout at all (true).</summary>
    public bool UseCutout { get; init; } = true;

    /// <summary>The rules between two settings; each setting's own range is in its attribute.</summary>
    /// <param name="validationContext">Unused: the rules need only these options.</param>
    /// <returns>A failure naming both settings and their values when a lower end exceeds its upper end.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinEnhanceFactor > MaxEnhanceFactor)
        {
            yield return new ValidationResult(
                $"MinEnhanceFactor ({OptionsValidation.Show(MinEnhanceFactor)}) must not exceed MaxEnhanceFactor ({OptionsValidation.Show(MaxEnhanceFactor)}).",
                [nameof(MinEnhanceFactor), nameof(MaxEnhanceFactor)]);
        }
        if (MinPosterizeBits > MaxPosterizeBits)
        {
            yield return new ValidationResult(
                $"MinPosterizeBits ({MinPosterizeBits}) must not exceed MaxPosterizeBits ({MaxPosterizeBits}).",
                [nameof(MinPosterizeBits), nameof(MaxPosterizeBits)]);
        }
    }
}
