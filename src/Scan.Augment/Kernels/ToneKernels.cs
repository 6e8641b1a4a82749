using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// torchvision's tensor definitions of the tone ops of RandAugment (solarize, posterize, autocontrast, equalize),
/// batched over (N, C, H, W) float images in [0, 1]. Posterize and equalize are 8-bit ops in torchvision: images go
/// through torchvision's float-to-uint8 conversion (floor(x·(256 − 1e-3))) and back (÷255), as
/// F.convert_image_dtype does.
/// </summary>
internal static class ToneKernels
{
    // convert_image_dtype(float -> uint8) multiplies by 255 + 1 - eps with eps = 1e-3, then truncates.
    private const float ToByteScale = 255f + 1f - 1e-3f;

    /// <summary>solarize: invert the pixels at or above the per-sample threshold (N, 1, 1, 1).</summary>
    internal static Tensor Solarize(Tensor images, Tensor thresholds)
    {
        // lerp with a 0/1 weight selects exactly (libtorch's CPU where is far slower than this).
        using var inverted = images.neg().add_(1);
        using var above = images.clone().ge_(thresholds);
        return torch.lerp(images, inverted, above);
    }

    /// <summary>posterize: keep the top <paramref name="bits"/> (N, 1, 1, 1, float, 1..8) bits of each 8-bit value.</summary>
    internal static Tensor Posterize(Tensor images, Tensor bits)
    {
        // Masking the low (8 - bits) bits of an integer q is floor(q / 2^(8 - bits)) * 2^(8 - bits); exact in float32.
        using var step = torch.pow(2f, bits.neg().add(8));
        return ToBytes(images).div_(step).floor_().mul_(step).div_(255f);
    }

    /// <summary>autocontrast: stretch each channel of each image to [0, 1]; constant channels are left as they are.</summary>
    internal static Tensor AutoContrast(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        // Per image and channel (small tensors).
        var minimum = images.amin([2, 3], keepdim: true);
        var maximum = images.amax([2, 3], keepdim: true);
        var constant = maximum.eq(minimum);
        var scale = torch.where(constant, torch.ones_like(maximum), (maximum - minimum).reciprocal_());
        var offset = torch.where(constant, torch.zeros_like(minimum), minimum);
        return (images - offset).mul_(scale).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// equalize: torchvision's histogram equalisation per image and channel, as one batched computation (a 256-bin
    /// histogram per image and channel by scatter_add, cumulative sums, and a lookup table applied by gather).
    /// </summary>
    internal static Tensor Equalize(Tensor images)
    {
        var (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3]);
        var pixels = h * w;
        using var scope = torch.NewDisposeScope();
        var levels = ToBytes(images).to_type(ScalarType.Int64).reshape(n * c, pixels);

        var histogram = torch.zeros([n * c, 256], ScalarType.Int64, images.device)
            .scatter_add_(1, levels, torch.ones_like(levels));
        // torchvision: step = (sum of the non-zero bins but the last one) // 255; the last non-zero bin is the
        // brightest level present.
        var brightest = levels.amax([1], keepdim: true);
        var step = (histogram.gather(1, brightest).neg_().add_(pixels)).div_(255, RoundingMode.floor);
        var safeStep = torch.where(step.eq(0), torch.ones_like(step), step);
        var lut = (histogram.cumsum(1).add_(step.div(2, RoundingMode.floor))).div_(safeStep, RoundingMode.floor);
        // Shift right by one bin (lut[v] uses the count below v) and clamp, as torchvision's pad([1, 0])[:-1].
        lut = torch.cat([torch.zeros([n * c, 1], ScalarType.Int64, images.device), lut.narrow(1, 0, 255)], 1).clamp_(0, 255);

        // A step of 0 (a near-constant channel) leaves the channel unchanged: use the identity table there.
        var keep = step.eq(0).to_type(ScalarType.Int64);
        var identity = torch.arange(256, ScalarType.Int64, images.device).view(1, 256);
        lut = lut.mul_(keep.neg().add_(1)).add_(identity * keep);
        return lut.gather(1, levels).to_type(ScalarType.Float32).div_(255f).reshape(n, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>The 8-bit levels torchvision's convert_image_dtype produces, as float32 integers in [0, 255].</summary>
    internal static Tensor ToBytes(Tensor images) => images.mul(ToByteScale).floor_().clamp_(0, 255);
}
