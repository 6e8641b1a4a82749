namespace Scan.Augment;

/// <summary>Entry point of the fluent API for composing augmentations.</summary>
/// <example><code>
/// IAugmentation views = Augmentation.Compose()
///     .RandomResizedCrop(minScale: 0.2)
///     .HorizontalFlip(0.5)
///     .ColorJitter(0.4, 0.4, 0.4, 0.1, probability: 0.8)
///     .RandomGrayscale(0.2)
///     .Normalize(NormalizationStats.Cifar10)
///     .Build();
/// </code></example>
public static class Augmentation
{
    /// <summary>Starts an empty pipeline.</summary>
    public static AugmentationBuilder Compose() => new();
}
