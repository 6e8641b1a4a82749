using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>Checks the (N, C, H, W) float32 contract of <see cref="IAugmentation.Apply"/>.</summary>
internal static class ImageBatch
{
    internal static void Validate(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4)
            throw new ArgumentException(
                $"images must have shape (N, C, H, W), got rank {images.dim()} with shape {Shape(images)}.", nameof(images));
        if (images.dtype != ScalarType.Float32)
            throw new ArgumentException(
                $"images must be float32 with values in [0, 1], got dtype {images.dtype}.", nameof(images));
        var channels = images.shape[1];
        if (channels != 1 && channels != 3)
            throw new ArgumentException(
                $"images must have 1 (grayscale) or 3 (RGB) channels, got {channels} (shape {Shape(images)}).", nameof(images));
        if (images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException($"images must have a non-empty height and width, got shape {Shape(images)}.", nameof(images));
    }

    internal static string Shape(Tensor tensor) => "(" + string.Join(", ", tensor.shape) + ")";
}
