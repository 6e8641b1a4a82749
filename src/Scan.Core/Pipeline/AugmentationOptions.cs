using Scan.Augment.Recipes;

namespace Scan.Core.Pipeline;

/// <summary>The augmentation recipes a pipeline uses, bindable from configuration.</summary>
public sealed class AugmentationOptions
{
    /// <summary>Per-channel mean for normalisation; null computes it from the dataset (up to 10,000 images).</summary>
    public float[]? Mean { get; set; }

    /// <summary>Per-channel standard deviation for normalisation; null computes it from the dataset.</summary>
    public float[]? Std { get; set; }

    /// <summary>The SimCLR view recipe of the pretext stage.</summary>
    public SimClrViewOptions SimClrViews { get; set; } = new();

    /// <summary>The strong recipe of the clustering and self-labelling stages.</summary>
    public StrongViewOptions Strong { get; set; } = new();

    /// <summary>The weak recipe the self-labelling targets come from.</summary>
    public WeakViewOptions Weak { get; set; } = new();
}
