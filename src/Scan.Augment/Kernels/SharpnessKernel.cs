using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// torchvision's adjust_sharpness on tensors, batched: blend each image with a smoothed copy (3x3 kernel
/// [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13, PIL's SMOOTH filter, on the interior; border pixels kept) by the
/// per-sample factor; factor 0 gives the smoothed image, 1 the original, above 1 sharpens.
/// </summary>
internal static class SharpnessKernel
{
    internal static Tensor Sharpness(Tensor images, Tensor factors)
    {
        var (c, h, w) = (images.shape[1], images.shape[2], images.shape[3]);
        // torchvision leaves images without an interior unchanged.
        if (h <= 2 || w <= 2)
            return images.clone();

        var weight = torch.ones([3, 3], ScalarType.Float32);
        weight[1, 1] = 5f;
        weight = weight.div_(13f).expand(c, 1, 3, 3).contiguous().to(images.device);
        var interior = torch.nn.functional.conv2d(images, weight, groups: c);

        var degenerate = images.clone();
        degenerate.narrow(2, 1, h - 2).narrow(3, 1, w - 2).copy_(interior);
        return ColorKernels.Blend(images, degenerate, factors);
    }
}
