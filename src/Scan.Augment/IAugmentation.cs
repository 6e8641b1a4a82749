using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment;

/// <summary>
/// A batched random image transform. Every sample of the batch gets its own random parameters, drawn from
/// <paramref name="generator"/> so that the same generator state gives the same output.
/// </summary>
public interface IAugmentation
{
    /// <summary>
    /// Transforms a batch. <paramref name="images"/> has shape (N, C, H, W), float32, C of 1 or 3; unless the
    /// transform is a normalisation, values are in [0, 1] on input and output. Returns a new tensor (the input is
    /// not modified) of shape (N, C, H', W') on the input's device; the caller owns it.
    /// </summary>
    Tensor Apply(Tensor images, Generator generator);
}
