using System.ComponentModel.DataAnnotations;

namespace Scan.Augment.Recipes;

/// <summary>Settings of <see cref="AugmentationRecipes.Weak"/>: flip and a random crop with padding, as the authors' weak views.</summary>
public sealed class WeakViewOptions
{
    /// <summary>Chance of a horizontal flip (0.5).</summary>
    [Range(0.0, 1.0, ErrorMessage = "FlipProbability must be a probability in [0, 1].")]
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Padding of the random crop, pixels (4, the authors' CIFAR value); 0 disables the crop.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "CropPadding must be >= 0 pixels.")]
    public int CropPadding { get; init; } = 4;
}
