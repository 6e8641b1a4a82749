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
        var (h, w) = (images.shape[2], images.shape[3]);
        // torchvision leaves images without an interior unchanged.
        if (h <= 2 || w <= 2)
            return images.clone();

        // The kernel is (3x3 box sum + 4 x centre) / 13; the box sum is separable (rows, then columns), which is
        // much cheaper than libtorch's depthwise conv2d on small images.
        var degenerate = images.clone();
        using (var rowSums = images.narrow(3, 0, w - 2) + images.narrow(3, 1, w - 2))
        {
            rowSums.add_(images.narrow(3, 2, w - 2));
            var interior = degenerate.narrow(2, 1, h - 2).narrow(3, 1, w - 2);
            interior.mul_(4).add_(rowSums.narrow(2, 0, h - 2)).add_(rowSums.narrow(2, 1, h - 2)).add_(rowSums.narrow(2, 2, h - 2)).div_(13f);
        }

        // Blend in place on the smoothed copy: lerp(degenerate, images, factor) = factor·images + (1 − factor)·degenerate.
        return degenerate.lerp_(images, factors).clamp_(0, 1);
    }
}
