namespace Scan.Core.Training;

/// <summary>What one epoch of a stage produced: mean figures over its steps (loss parts, counts) and its duration.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Metrics">Named epoch means, e.g. "loss"; the keys depend on the stage.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="ImagesPerSecond">Images processed per second (augmentation included).</param>
public sealed record EpochRecord(int Epoch, IReadOnlyDictionary<string, double> Metrics, double Seconds, double ImagesPerSecond);
