using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Keeps only the top bits of each 8-bit level, with a bit count drawn uniformly from the integers
/// <see cref="MinBits"/>..<see cref="MaxBits"/> per sample: torchvision's posterize (on the 8-bit conversion of the
/// image). One of SCAN's strong ops (4..8 bits; 8 is the original image).
/// </summary>
public sealed class Posterize : IPerImageOp
{
    /// <summary>Creates the op.</summary>
    /// <param name="minBits">Fewest bits kept, in [1, 8].</param>
    /// <param name="maxBits">Most bits kept, in [minBits, 8].</param>
    /// <exception cref="ArgumentOutOfRangeException">A bit count outside [1, 8].</exception>
    /// <exception cref="ArgumentException"><paramref name="minBits"/> exceeds <paramref name="maxBits"/>.</exception>
    public Posterize(int minBits = 4, int maxBits = 8)
    {
        Guard.Interval(minBits, maxBits, 1, 8, nameof(minBits), nameof(maxBits));
        (MinBits, MaxBits) = (minBits, maxBits);
    }

    /// <summary>Fewest bits kept.</summary>
    public int MinBits { get; }

    /// <summary>Most bits kept.</summary>
    public int MaxBits { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        using var scope = torch.NewDisposeScope();
        var bits = RandomDraws.Integers(images.shape[0], MinBits, MaxBits + 1L, generator);
        var perSample = RandomDraws.PerSample(bits.Select(b => (double)b).ToArray(), images.device);
        return ToneKernels.Posterize(images, perSample).MoveToOuterDisposeScope();
    }

    double[] IPerImageOp.DrawParameters(long count, Generator generator) => RandomDraws.Integers(count, MinBits, MaxBits + 1L, generator).Select(b => (double)b).ToArray();

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.Posterize(image, (int)parameter);
    }
}
