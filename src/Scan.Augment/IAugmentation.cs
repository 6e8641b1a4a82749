using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment;

/// <summary>
/// A batched random image transform. Every sample of the batch gets its own random parameters, drawn from the
/// generator passed to <see cref="Apply"/>, so that the same generator state gives the same output.
/// </summary>
public interface IAugmentation
{
    /// <summary>
    /// Transforms a batch. <paramref name="images"/> has shape (N, C, H, W), float32, C of 1 or 3; unless the
    /// transform is a normalisation, values are in [0, 1] on input and output. Returns a new tensor (the input is
    /// not modified) of shape (N, C, H', W') on the input's device; the caller owns it.
    /// </summary>
    /// <param name="images">The batch, shape (N, C, H, W).</param>
    /// <param name="generator">A CPU generator: random parameters are drawn on the CPU from it, then moved to the
    /// images' device, so results do not depend on the device.</param>
    Tensor Apply(Tensor images, Generator generator);
}
