using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// torchvision's tensor definitions of the colour adjustments (transforms.functional_tensor), batched: images are
/// (N, C, H, W) float in [0, 1], factors are (N, 1, 1, 1) per sample. Results stay in [0, 1] as torchvision clamps.
/// Inputs are not modified; the result is a new tensor.
/// </summary>
/// <remarks>
/// Written for the CPU allocator: temporaries are updated in place and released as soon as they are used, because
/// many image-sized buffers alive at once make every allocation touch fresh pages, which costs more than the maths.
/// </remarks>
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
        using var scope = torch.NewDisposeScope();
        // The mean of the luma is the luma-weighted sum of the channel means (small tensors).
        var channelMeans = images.mean([2, 3], keepdim: true);
        var mean = images.shape[1] == 1
            ? channelMeans
            : channelMeans.narrow(1, 0, 1).mul(LumaRed)
                .add_(channelMeans.narrow(1, 1, 1), LumaGreen)
                .add_(channelMeans.narrow(1, 2, 1), LumaBlue);
        return Blend(images, mean, factors).MoveToOuterDisposeScope();
    }

    /// <summary>adjust_saturation: blend with the luma. A no-op on 1-channel images, as in torchvision and PIL.</summary>
    internal static Tensor Saturation(Tensor images, Tensor factors)
    {
        if (images.shape[1] == 1)
            return images.clone();
        using var gray = Grayscale(images);
        return Blend(images, gray, factors);
    }

    /// <summary>
    /// adjust_hue: rotate the hue of HSV by <paramref name="shifts"/> (fractions of a turn, in [−0.5, 0.5]).
    /// A no-op on 1-channel images, as in torchvision and PIL.
    /// </summary>
    /// <remarks>
    /// Same HSV model as torchvision's _rgb2hsv / _hsv2rgb, evaluated in closed form: with h6 the hue in sixths of a
    /// turn, channel n of (R, G, B) = v − (v·s)·clamp(min(k, 4 − k), 0, 1), k = (h6 + (5, 3, 1)[n]) mod 6. That is
    /// torchvision's six-sector table without building it; v·s is max − min. Branches are 0/1 masks and the modulo
    /// is x − 6·floor(x / 6): libtorch's CPU where and remainder cost ten times a multiply here.
    /// </remarks>
    internal static Tensor Hue(Tensor images, Tensor shifts)
    {
        if (images.shape[1] == 1)
            return images.clone();
        return HueCpuKernel.CanRun(images) ? HueCpuKernel.Hue(images, shifts) : HueTensor(images, shifts);
    }

    /// <summary>The tensor form of <see cref="Hue"/> for RGB batches, used on every device but the CPU.</summary>
    internal static Tensor HueTensor(Tensor images, Tensor shifts)
    {
        using var scope = torch.NewDisposeScope();
        var r = images.narrow(1, 0, 1);
        var g = images.narrow(1, 1, 1);
        var b = images.narrow(1, 2, 1);
        Tensor max, chroma;
        using (var maxRg = torch.maximum(r, g))
            max = torch.maximum(maxRg, b);
        using (var minRg = torch.minimum(r, g))
        using (var min = torch.minimum(minRg, b))
            chroma = max - min;

        // Hue in sixths of a turn, up to a multiple of 6: red sector (g − b)/c, green 2 + (b − r)/c, blue
        // 4 + (r − g)/c; ties go to red first, then green, as torchvision.
        var numerator = g - b;
        using (var isRed = max.clone().eq_(r))
        using (var isGreen = max.clone().eq_(g))
        {
            isGreen.addcmul_(isGreen, isRed, -1);
            numerator.mul_(isRed);
            using (var green = (b - r).add_(chroma, 2))
                numerator.addcmul_(green, isGreen, 1);
            using var isBlue = isRed.neg().add_(1).sub_(isGreen);
            using var blue = (r - g).add_(chroma, 4);
            numerator.addcmul_(blue, isBlue, 1);
        }

        // A grey pixel (chroma 0) has numerator 0; any divisor works, 1 avoids 0/0.
        using (var divisor = chroma.clone().eq_(0).add_(chroma))
            numerator.div_(divisor);
        var hue6 = Wrap6(numerator.add_(shifts.mul(6)));

        var offsets = torch.tensor(new float[] { 5, 3, 1 }, [1, 3, 1, 1], ScalarType.Float32).to(images.device);
        // In place on k from here: min(k, 4 − k) is 2 − |k − 2|.
        var k = Wrap6(hue6 + offsets);
        hue6.Dispose();
        k.sub_(2).abs_().neg_().add_(2).clamp_(0, 1).mul_(chroma).neg_().add_(max);
        return k.MoveToOuterDisposeScope();
    }

    /// <summary>x mod 6 in [0, 6), as x − 6·floor(x / 6), in place on <paramref name="x"/>.</summary>
    private static Tensor Wrap6(Tensor x)
    {
        using var turns = x.div(6).floor_();
        return x.add_(turns, -6);
    }

    /// <summary>rgb_to_grayscale with 3 output channels (RandomGrayscale); 1-channel images are returned as they are.</summary>
    internal static Tensor GrayscaleKeepChannels(Tensor images)
    {
        if (images.shape[1] == 1)
            return images.clone();
        using var gray = Grayscale(images);
        return gray.expand_as(images).contiguous();
    }
}
