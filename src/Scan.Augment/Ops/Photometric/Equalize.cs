using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Equalises the histogram of each channel of each sample: torchvision's equalize (on the 8-bit conversion of the
/// image), computed for the whole batch at once. Deterministic. One of SCAN's strong ops.
/// </summary>
public sealed class Equalize : IPerImageOp
{
    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        using var scope = torch.NewDisposeScope();
        return ToneKernels.Equalize(images).MoveToOuterDisposeScope();
    }

    // Deterministic: no draws, as Apply.
    double[] IPerImageOp.DrawParameters(long count, Generator generator) => new double[count];

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.Equalize(image, channels, height * width);
    }
}
