using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// A photometric op that can also run on one image at a time in managed code, for the fused CPU kernel of
/// <see cref="Ops.RandAugment"/>. Same definition as its batched <see cref="IAugmentation.Apply"/>.
/// </summary>
internal interface IPerImageOp : IAugmentation
{
    /// <summary>Draws one parameter per sample, exactly as <see cref="IAugmentation.Apply"/> does for a batch of <paramref name="count"/>.</summary>
    double[] DrawParameters(long count, Generator generator);

    /// <summary>Applies the op in place to one (channels, height, width) image with its parameter; <paramref name="scratch"/> holds one image.</summary>
    void ApplyToImage(Span<float> image, int channels, int height, int width, double parameter, Span<float> scratch);
}
