using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// A fixed collection of equally sized images, read in batches as float tensors in [0, 1].
/// Ground-truth labels, when a dataset has them, are for evaluation only: no SCAN stage trains on them.
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Channels per image: 1 (grayscale) or 3 (RGB).</summary>
    int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    int Height { get; }

    /// <summary>Image width in pixels.</summary>
    int Width { get; }

    /// <summary>Ground-truth class of each image (length <see cref="Count"/>), or null when unknown.</summary>
    IReadOnlyList<int>? Labels { get; }

    /// <summary>Names of the ground-truth classes, indexed by label, or null when unknown.</summary>
    IReadOnlyList<string>? ClassNames { get; }

    /// <summary>
    /// Reads the images at <paramref name="indices"/> as one float32 tensor of shape (N, C, H, W) with values in
    /// [0, 1], on the CPU. The caller owns (disposes) the tensor.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is negative or not below <see cref="Count"/>.</exception>
    Tensor GetBatch(ReadOnlySpan<int> indices);
}
