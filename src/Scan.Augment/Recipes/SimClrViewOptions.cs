using System.ComponentModel.DataAnnotations;
using Scan.Augment.Internal;

namespace Scan.Augment.Recipes;

/// <summary>
/// Settings of <see cref="AugmentationRecipes.SimClr"/>. Defaults are the SCAN authors' CIFAR-10 SimCLR config:
/// RandomResizedCrop(scale 0.2–1.0), flip p = 0.5, ColorJitter(0.4, 0.4, 0.4, 0.1) with p = 0.8, grayscale p = 0.2.
/// </summary>
public sealed class SimClrViewOptions : IValidatableObject
{
    /// <summary>Output height; null keeps the input height.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Height must be at least 1 (or null to keep the input height).")]
    public int? Height { get; init; }

    /// <summary>Output width; null keeps the input width.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Width must be at least 1 (or null to keep the input width).")]
    public int? Width { get; init; }

    // The crop's ranges are checked here as well as in RandomResizedCrop, so the message names these options
    // rather than the op's parameters (minScale, maxScale, ...).
    /// <summary>Smallest crop area as a fraction of the image (0.2).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "MinScale must be in (0, 1].")]
    public double MinScale { get; init; } = 0.2;

    /// <summary>Largest crop area as a fraction of the image (1.0).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "MaxScale must be in (0, 1].")]
    public double MaxScale { get; init; } = 1.0;

    /// <summary>Smallest crop aspect ratio, width / height (3/4).</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = "MinAspectRatio must be positive and finite.")]
    public double MinAspectRatio { get; init; } = 3.0 / 4.0;

    /// <summary>Largest crop aspect ratio (4/3).</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = "MaxAspectRatio must be positive and finite.")]
    public double MaxAspectRatio { get; init; } = 4.0 / 3.0;

    /// <summary>Chance of a horizontal flip (0.5).</summary>
    [Range(0.0, 1.0, ErrorMessage = "FlipProbability must be a probability in [0, 1].")]
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>ColorJitter brightness strength (0.4).</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "Brightness must be a finite number >= 0.")]
    public double Brightness { get; init; } = 0.4;

    /// <summary>ColorJitter contrast strength (0.4).</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "Contrast must be a finite number >= 0.")]
    public double Contrast { get; init; } = 0.4;

    /// <summary>ColorJitter saturation strength (0.4); no effect on 1-channel images.</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "Saturation must be a finite number >= 0.")]
    public double Saturation { get; init; } = 0.4;

    /// <summary>ColorJitter hue strength in turns (0.1); no effect on 1-channel images.</summary>
    [Range(0.0, 0.5, ErrorMessage = "Hue must be in [0, 0.5].")]
    public double Hue { get; init; } = 0.1;

    /// <summary>Chance that a sample is colour-jittered (0.8).</summary>
    [Range(0.0, 1.0, ErrorMessage = "ColorJitterProbability must be a probability in [0, 1].")]
    public double ColorJitterProbability { get; init; } = 0.8;

    /// <summary>Chance that a sample becomes grey (0.2); no effect on 1-channel images.</summary>
    [Range(0.0, 1.0, ErrorMessage = "GrayscaleProbability must be a probability in [0, 1].")]
    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>The rules between two settings; each setting's own range is in its attribute.</summary>
    /// <param name="validationContext">Unused: the rules need only these options.</param>
    /// <returns>A failure naming both settings and their values when a lower end exceeds its upper end.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinScale > MaxScale)
        {
            yield return new ValidationResult(
                $"MinScale ({OptionsValidation.Show(MinScale)}) must not exceed MaxScale ({OptionsValidation.Show(MaxScale)}).",
                [nameof(MinScale), nameof(MaxScale)]);
        }
        if (MinAspectRatio > MaxAspectRatio)
        {
            yield return new ValidationResult(
                $"MinAspectRatio ({OptionsValidation.Show(MinAspectRatio)}) must not exceed MaxAspectRatio ({OptionsValidation.Show(MaxAspectRatio)}).",
                [nameof(MinAspectRatio), nameof(MaxAspectRatio)]);
        }
    }
}
