using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// (x − mean) / std per channel: torchvision's Normalize. The output is no longer in [0, 1]; put this op last
/// (before Cutout in SCAN's strong recipe). One statistic applies to every channel; three need RGB images.
/// </summary>
/// <example><code>var normalize = new Normalize(NormalizationStats.Cifar10);</code></example>
public sealed class Normalize : IInPlaceAugmentation
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
        using var scope = torch.NewDisposeScope();
        var (mean, std) = Statistics(images);
        return (images - mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        if (CpuBatch.CanRun(images))
        {
            CheckChannels(images);
            var (channels, plane) = ((int)images.shape[1], (int)(images.shape[2] * images.shape[3]));
            CpuBatch.ForEachSample(images, (_, sample) => ImageOpsCpu.Normalize(sample, channels, plane, Stats.Mean, Stats.Std));
            return;
        }

        using var scope = torch.NewDisposeScope();
        var (mean, std) = Statistics(images);
        images.sub_(mean).div_(std);
    }

    private (Tensor Mean, Tensor Std) Statistics(Tensor images)
    {
        CheckChannels(images);
        var count = Stats.Mean.Count;
        var mean = RandomDraws.OnDevice(torch.tensor(Stats.Mean.ToArray(), [1, count, 1, 1], ScalarType.Float32), images.device);
        var std = RandomDraws.OnDevice(torch.tensor(Stats.Std.ToArray(), [1, count, 1, 1], ScalarType.Float32), images.device);
        return (mean, std);
    }

    private void CheckChannels(Tensor images)
    {
        var (channels, count) = (images.shape[1], Stats.Mean.Count);
        if (count != 1 && count != channels)
            throw new ArgumentException(
                $"images have {channels} channel(s) but the normalisation statistics have {count} values ({Stats}); use 1 value or one per channel.",
                nameof(images));
    }
}
