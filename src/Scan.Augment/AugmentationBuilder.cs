using Scan.Augment.Ops;

namespace Scan.Augment;

/// <summary>
/// Builds an <see cref="AugmentationPipeline"/> op by op; each method validates its arguments at once and returns the
/// builder. <see cref="Build"/> returns an immutable pipeline; the builder can be reused afterwards.
/// </summary>
public sealed class AugmentationBuilder
{
    private readonly List<IAugmentation> steps = [];

    internal AugmentationBuilder()
    {
    }

    /// <summary>Appends any op, including your own <see cref="IAugmentation"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="augmentation"/> is null.</exception>
    public AugmentationBuilder Add(IAugmentation augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        steps.Add(augmentation);
        return this;
    }

    /// <summary>Appends a <see cref="Ops.RandomResizedCrop"/>; see there for the arguments.</summary>
    public AugmentationBuilder RandomResizedCrop(
        int? height = null,
        int? width = null,
        double minScale = 0.2,
        double maxScale = 1.0,
        double minAspectRatio = 3.0 / 4.0,
        double maxAspectRatio = 4.0 / 3.0) =>
        Add(new RandomResizedCrop(height, width, minScale, maxScale, minAspectRatio, maxAspectRatio));

    /// <summary>Appends a <see cref="Ops.RandomCrop"/> (pad, then crop back at a random position).</summary>
    public AugmentationBuilder RandomCrop(int padding) => Add(new RandomCrop(padding));

    /// <summary>Appends a <see cref="Ops.HorizontalFlip"/>.</summary>
    public AugmentationBuilder HorizontalFlip(double probability = 0.5) => Add(new HorizontalFlip(probability));

    /// <summary>Appends a <see cref="Ops.ColorJitter"/>, applied to each sample with <paramref name="probability"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bad strength, or <paramref name="probability"/> outside [0, 1].</exception>
    public AugmentationBuilder ColorJitter(
        double brightness = 0.4, double contrast = 0.4, double saturation = 0.4, double hue = 0.1, double probability = 1.0)
    {
        var jitter = new ColorJitter(brightness, contrast, saturation, hue);
        return probability == 1.0 ? Add(jitter) : Add(new RandomApply(probability, jitter));
    }

    /// <summary>Appends a <see cref="Ops.RandomGrayscale"/>.</summary>
    public AugmentationBuilder RandomGrayscale(double probability = 0.2) => Add(new RandomGrayscale(probability));

    /// <summary>Appends a <see cref="Ops.RandAugment"/> over <paramref name="ops"/> (default: SCAN's fourteen strong ops).</summary>
    public AugmentationBuilder RandAugment(int numOps = 4, IEnumerable<IAugmentation>? ops = null) =>
        Add(new RandAugment(ops ?? Recipes.AugmentationRecipes.StrongOps(), numOps));

    /// <summary>Appends a <see cref="Ops.Cutout"/>.</summary>
    public AugmentationBuilder Cutout(int? size = null, bool randomSize = true, float fill = 0f) => Add(new Cutout(size, randomSize, fill));

    /// <summary>Appends a <see cref="Ops.Normalize"/>.</summary>
    public AugmentationBuilder Normalize(NormalizationStats stats) => Add(new Normalize(stats));

    /// <summary>Appends <paramref name="augmentation"/> wrapped in a <see cref="Ops.RandomApply"/>.</summary>
    public AugmentationBuilder RandomApply(double probability, IAugmentation augmentation) => Add(new RandomApply(probability, augmentation));

    /// <summary>Appends the ops configured on a nested builder as one unit applied with <paramref name="probability"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public AugmentationBuilder RandomApply(double probability, Action<AugmentationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var inner = new AugmentationBuilder();
        configure(inner);
        return Add(new RandomApply(probability, inner.Build()));
    }

    /// <summary>The pipeline of the ops added so far.</summary>
    public IAugmentation Build() => new AugmentationPipeline(steps);
}
