using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Rotates each sample's hue by a shift drawn uniformly in [<see cref="MinShift"/>, <see cref="MaxShift"/>] (fractions
/// of a turn): torchvision's adjust_hue (through HSV). A no-op on 1-channel images, by design: they have no hue.
/// </summary>
public sealed class Hue : IPerImageOp
{
    /// <summary>Creates the op.</summary>
    /// <param name="minShift">Smallest hue shift in turns, in [-0.5, 0.5].</param>
    /// <param name="maxShift">Largest hue shift in turns, in [minShift, 0.5].</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound outside [-0.5, 0.5].</exception>
    /// <exception cref="ArgumentException"><paramref name="minShift"/> exceeds <paramref name="maxShift"/>.</exception>
    public Hue(double minShift = -0.1, double maxShift = 0.1)
    {
        Guard.Interval(minShift, maxShift, -0.5, 0.5, nameof(minShift), nameof(maxShift));
        (MinShift, MaxShift) = (minShift, maxShift);
    }

    /// <summary>Smallest hue shift in turns.</summary>
    public double MinShift { get; }

    /// <summary>Largest hue shift in turns.</summary>
    public double MaxShift { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator) =>
        PerSampleFactorOp.Apply(images, generator, MinShift, MaxShift, ColorKernels.Hue);

    double[] IPerImageOp.DrawParameters(long count, Generator generator) => RandomDraws.Uniform(count, MinShift, MaxShift, generator);

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        if (channels == 3)
            HueCpuKernel.RotateImage(image, image, height * width, (float)parameter * 6f);
    }
}
