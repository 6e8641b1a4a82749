using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// torchvision's tensor definitions of the colour adjustments (transforms.functional_tensor), batched: images are
/// (N, C, H, W) float in [0, 1], factors are (N, 1, 1, 1) per sample. Results stay in [0, 1] as torchvision clamps.
/// Inputs are not modified; callers own a dispose scope.
/// </summary>
internal static class ColorKernels
{
    // ITU-R 601-2 luma weights, torchvision's rgb_to_grayscale.
    private const double LumaRed = 0.2989, LumaGreen = 0.587, LumaBlue = 0.114;

    /// <summary>torchvision _blend: ratio·image + (1 − ratio)·other, clamped to [0, 1]; other broadcasts.</summary>
    internal static Tensor Blend(Tensor image, Tensor other, Tensor ratio) =>
        torch.lerp(other.expand_as(image), image, ratio).clamp_(0, 1);

    /// <summary>Luma (N, 1, H, W) of an RGB batch; a 1-channel batch is its own luma.</summary>
    internal static Tensor Grayscale(Tensor images)
    {
        if (images.shape[1] == 1)
            return images.clone();
        var r = images.narrow(1, 0, 1);
        var g = images.narrow(1, 1, 1);
        var b = images.narrow(1, 2, 1);
        return r.mul(LumaRed).add_(g, LumaGreen).add_(b, LumaBlue);
    }

    /// <summary>adjust_brightness: blend with black.</summary>
    internal static Tensor Brightness(Tensor images, Tensor factors) => images.mul(factors).clamp_(0, 1);

    /// <summary>adjust_contrast: blend with the per-image mean of the luma (of the image itself when 1-channel).</summary>
    internal static Tensor Contrast(Tensor images, Tensor factors)
    {
        // The mean of the luma is the luma-weighted sum of the channel means.
        var channelMeans = images.mean([2, 3], keepdim: true);
        var mean = images.shape[1] == 1
            ? channelMeans
            : channelMeans.narrow(1, 0, 1).mul(LumaRed)
                .add_(channelMeans.narrow(1, 1, 1), LumaGreen)
                .add_(channelMeans.narrow(1, 2, 1), LumaBlue);
        return Blend(images, mean, factors);
    }

    /// <summary>adjust_saturation: blend with the luma. A no-op on 1-channel images, as in torchvision and PIL.</summary>
    internal static Tensor Saturation(Tensor images, Tensor factors) =>
        images.shape[1] == 1 ? images.clone() : Blend(images, Grayscale(images), factors);

    /// <summary>
    /// adjust_hue: rotate the hue of HSV by <paramref name="shifts"/> (fractions of a turn, in [−0.5, 0.5]).
    /// A no-op on 1-channel images, as in torchvision and PIL.
    /// </summary>
    /// <remarks>
    /// Same HSV model as torchvision's _rgb2hsv / _hsv2rgb, evaluated in closed form: with h6 the hue in sixths of a
    /// turn, channel n of (R, G, B) = v − (v·s)·clamp(min(k, 4 − k), 0, 1), k = (h6 + (5, 3, 1)[n]) mod 6. That is
    /// torchvision's six-sector table without building it; v·s is max − min.
    /// </remarks>
    internal static Tensor Hue(Tensor images, Tensor shifts)
    {
        if (images.shape[1] == 1)
            return images.clone();
        var r = images.narrow(1, 0, 1);
        var g = images.narrow(1, 1, 1);
        var b = images.narrow(1, 2, 1);
        var max = images.amax([1], keepdim: true);
        var min = images.amin([1], keepdim: true);
        var chroma = max - min;

        // Hue in sixths of a turn, up to a multiple of 6 (reduced by the remainder below): red sector (g − b)/c,
        // green 2 + (b − r)/c, blue 4 + (r − g)/c, ties resolved red first, then green, as torchvision.
        var numerator = torch.where(max.eq(r), g - b, torch.where(max.eq(g), (b - r).add_(chroma, 2), (r - g).add_(chroma, 4)));
        var safeChroma = torch.where(chroma.eq(0), torch.ones_like(chroma), chroma);
        var hue6 = numerator.div_(safeChroma).add_(shifts.mul(6));

        var offsets = torch.tensor(new float[] { 5, 3, 1 }, [1, 3, 1, 1], ScalarType.Float32).to(images.device);
        var k = (hue6 + offsets).remainder_(6);
        var ramp = torch.minimum(k, k.neg().add_(4)).clamp_(0, 1);
        return max - ramp.mul_(chroma);
    }

    /// <summary>rgb_to_grayscale with 3 output channels (RandomGrayscale); 1-channel images are returned as they are.</summary>
    internal static Tensor GrayscaleKeepChannels(Tensor images) =>
        images.shape[1] == 1 ? images.clone() : Grayscale(images).expand_as(images).contiguous();
}
