using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Replaces each sample by its luma (0.2989 R + 0.587 G + 0.114 B, copied to the three channels) with probability
/// <see cref="Probability"/>: torchvision's RandomGrayscale. SimCLR uses p = 0.2. A no-op on 1-channel images, by
/// design (they are grey already); the random draw still happens so a seed gives the same stream for both.
/// </summary>
public sealed class RandomGrayscale : IInPlaceAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="probability">Chance that a sample becomes grey, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1].</exception>
    public RandomGrayscale(double probability = 0.2)
    {
        Guard.Probability(probability, nameof(probability));
        Probability = probability;
    }

    /// <summary>Chance that a sample becomes grey.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        if (CpuBatch.CanRun(images))
        {
            // On the CPU the managed kernel, so that Apply and the pipeline's in-place path agree bit for bit.
            var result = images.clone();
            ((IInPlaceAugmentation)this).ApplyInPlace(result, generator);
            return result;
        }

        var selected = RandomDraws.Bernoulli(images.shape[0], Probability, generator);
        if (images.shape[1] == 1 || !selected.Contains(true))
            return images.clone();

        using var scope = torch.NewDisposeScope();
        var weight = RandomDraws.PerSample(selected.Select(s => s ? 1.0 : 0.0).ToArray(), images.device);
        var gray = ColorKernels.Grayscale(images).expand_as(images);
        // lerp with a 0/1 weight picks exactly one side per sample.
        return torch.lerp(images, gray, weight).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    void IInPlaceAugmentation.ApplyInPlace(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var selected = RandomDraws.Bernoulli(images.shape[0], Probability, generator);
        if (images.shape[1] == 1 || !selected.Contains(true))
            return;
        if (CpuBatch.CanRun(images))
        {
            var plane = (int)(images.shape[2] * images.shape[3]);
            CpuBatch.ForEachSample(images, (i, sample) =>
            {
                if (selected[i])
                    ImageOpsCpu.Grayscale(sample, plane);
            });
            return;
        }

        using var scope = torch.NewDisposeScope();
        var weight = RandomDraws.PerSample(selected.Select(s => s ? 1.0 : 0.0).ToArray(), images.device);
        images.lerp_(ColorKernels.Grayscale(images).expand_as(images), weight);
    }
}
