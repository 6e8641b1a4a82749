using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// A geometric op that is one affine map per sample. Consecutive such ops in a pipeline are fused into a single
/// sampling grid and grid_sample, so a crop, resize and flip cost one resampling and blur only once.
/// </summary>
internal interface IAffineAugmentation : IAugmentation
{
    /// <summary>False for a wrapper whose inner op is not affine (then it is applied as a plain op).</summary>
    bool IsAffine { get; }

    /// <summary>The resampling this op needs.</summary>
    AffineSampling Sampling { get; }

    /// <summary>Output (height, width) for an input of (height, width).</summary>
    (long Height, long Width) OutputSize(long height, long width);

    /// <summary>Draws one map per sample (output centred pixel to input centred pixel).</summary>
    Affine2D[] DrawTransforms(long count, long height, long width, Generator generator);
}
