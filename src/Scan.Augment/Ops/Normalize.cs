using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// (x − mean) / std per channel: torchvision's Normalize. The output is no longer in [0, 1]; put this op last
/// (before Cutout in SCAN's strong recipe). One statistic applies to every channel; three need RGB images.
/// </summary>
/// <example><code>var normalize = new Normalize(NormalizationStats.Cifar10);</code></example>
public sealed class Normalize : IAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="stats">Mean and standard deviation, see <see cref="NormalizationStats"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stats"/> is null.</exception>
    public Normalize(NormalizationStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        Stats = stats;
    }

    /// <summary>The statistics.</summary>
    public NormalizationStats Stats { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Three statistics for a 1-channel batch.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var channels = images.shape[1];
        var count = Stats.Mean.Count;
        if (count != 1 && count != channels)
            throw new ArgumentException(
                $"images have {channels} channel(s) but the normalisation statistics have {count} values ({Stats}); use 1 value or one per channel.",
                nameof(images));

        using var scope = torch.NewDisposeScope();
        var mean = torch.tensor(Stats.Mean.ToArray(), [1, count, 1, 1], ScalarType.Float32).to(images.device);
        var std = torch.tensor(Stats.Std.ToArray(), [1, count, 1, 1], ScalarType.Float32).to(images.device);
        return (images - mean).div_(std).MoveToOuterDisposeScope();
    }
}
