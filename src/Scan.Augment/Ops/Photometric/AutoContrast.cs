using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Stretches each channel of each sample to the full [0, 1] range: torchvision's autocontrast on tensors (constant
/// channels are left unchanged). Deterministic. One of SCAN's strong ops.
/// </summary>
public sealed class AutoContrast : IPerImageOp
{
    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        using var scope = torch.NewDisposeScope();
        return ToneKernels.AutoContrast(images).MoveToOuterDisposeScope();
    }

    // Deterministic: no draws, as Apply.
    double[] IPerImageOp.DrawParameters(long count, Generator generator) => new double[count];

    void IPerImageOp.ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch)
    {
        ImageOpsCpu.AutoContrast(image, channels, height * width);
    }
}
