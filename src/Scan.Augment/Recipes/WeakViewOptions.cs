using Scan.Augment.Internal;

namespace Scan.Augment.Recipes;

/// <summary>Settings of <see cref="AugmentationRecipes.Weak"/>: flip and a random crop with padding, as the authors' weak views.</summary>
public sealed class WeakViewOptions
{
    /// <summary>Chance of a horizontal flip (0.5).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Padding of the random crop, pixels (4, the authors' CIFAR value); 0 disables the crop.</summary>
    public int CropPadding { get; init; } = 4;

    internal void Validate()
    {
        const string prefix = nameof(WeakViewOptions) + ".";
        Guard.Probability(FlipProbability, prefix + nameof(FlipProbability));
        if (CropPadding < 0)
            throw new ArgumentOutOfRangeException(prefix + nameof(CropPadding), CropPadding, $"{prefix}{nameof(CropPadding)} must be >= 0 pixels, got {CropPadding}.");
    }
}
