using Scan.Augment.Internal;

namespace Scan.Augment.Recipes;

/// <summary>
/// Settings of <see cref="AugmentationRecipes.SimClr"/>. Defaults are the SCAN authors' CIFAR-10 SimCLR config:
/// RandomResizedCrop(scale 0.2–1.0), flip p = 0.5, ColorJitter(0.4, 0.4, 0.4, 0.1) with p = 0.8, grayscale p = 0.2.
/// </summary>
public sealed class SimClrViewOptions
{
    /// <summary>Output height; null keeps the input height.</summary>
    public int? Height { get; init; }

    /// <summary>Output width; null keeps the input width.</summary>
    public int? Width { get; init; }

    /// <summary>Smallest crop area as a fraction of the image (0.2).</summary>
    public double MinScale { get; init; } = 0.2;

    /// <summary>Largest crop area as a fraction of the image (1.0).</summary>
    public double MaxScale { get; init; } = 1.0;

    /// <summary>Smallest crop aspect ratio, width / height (3/4).</summary>
    public double MinAspectRatio { get; init; } = 3.0 / 4.0;

    /// <summary>Largest crop aspect ratio (4/3).</summary>
    public double MaxAspectRatio { get; init; } = 4.0 / 3.0;

    /// <summary>Chance of a horizontal flip (0.5).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>ColorJitter brightness strength (0.4).</summary>
    public double Brightness { get; init; } = 0.4;

    /// <summary>ColorJitter contrast strength (0.4).</summary>
    public double Contrast { get; init; } = 0.4;

    /// <summary>ColorJitter saturation strength (0.4); no effect on 1-channel images.</summary>
    public double Saturation { get; init; } = 0.4;

    /// <summary>ColorJitter hue strength in turns (0.1); no effect on 1-channel images.</summary>
    public double Hue { get; init; } = 0.1;

    /// <summary>Chance that a sample is colour-jittered (0.8).</summary>
    public double ColorJitterProbability { get; init; } = 0.8;

    /// <summary>Chance that a sample becomes grey (0.2); no effect on 1-channel images.</summary>
    public double GrayscaleProbability { get; init; } = 0.2;

    internal void Validate()
    {
        const string prefix = nameof(SimClrViewOptions) + ".";
        if (Height is { } h)
            Guard.Positive(h, prefix + nameof(Height));
        if (Width is { } w)
            Guard.Positive(w, prefix + nameof(Width));
        // Checked here as well as in RandomResizedCrop, so the message names these options rather than the op's
        // parameters (minScale, maxScale, ...).
        if (!(MinScale > 0))
            throw new ArgumentOutOfRangeException(prefix + nameof(MinScale), MinScale, $"{prefix}{nameof(MinScale)} must be in (0, 1], got {MinScale}.");
        Guard.Interval(MinScale, MaxScale, 0, 1, prefix + nameof(MinScale), prefix + nameof(MaxScale));
        if (!(MinAspectRatio > 0 && double.IsFinite(MinAspectRatio)))
            throw new ArgumentOutOfRangeException(prefix + nameof(MinAspectRatio), MinAspectRatio, $"{prefix}{nameof(MinAspectRatio)} must be positive and finite, got {MinAspectRatio}.");
        if (!(MaxAspectRatio >= MinAspectRatio && double.IsFinite(MaxAspectRatio)))
        {
            throw new ArgumentException($"{prefix}{nameof(MinAspectRatio)} ({MinAspectRatio}) must not exceed {prefix}{nameof(MaxAspectRatio)} " +
                $"({MaxAspectRatio}), which must be finite.", prefix + nameof(MaxAspectRatio));
        }
        Guard.Probability(FlipProbability, prefix + nameof(FlipProbability));
        Guard.Probability(ColorJitterProbability, prefix + nameof(ColorJitterProbability));
        Guard.Probability(GrayscaleProbability, prefix + nameof(GrayscaleProbability));
        Guard.NonNegativeFinite(Brightness, prefix + nameof(Brightness));
        Guard.NonNegativeFinite(Contrast, prefix + nameof(Contrast));
        Guard.NonNegativeFinite(Saturation, prefix + nameof(Saturation));
        Guard.InRange(Hue, 0, 0.5, prefix + nameof(Hue));
    }
}
