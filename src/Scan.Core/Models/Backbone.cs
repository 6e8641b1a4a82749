using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Models;

/// <summary>
/// A feature extractor: images (B, C, H, W) in, features (B, <see cref="FeatureDim"/>) out. SCAN trains one with
/// SimCLR, mines neighbours in its feature space and then puts cluster heads on top of it.
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module under <paramref name="name"/>.</summary>
    protected Backbone(string name) : base(name) { }

    /// <summary>Length of the feature vector <see cref="nn.Module{T, TResult}.forward"/> returns.</summary>
    public abstract int FeatureDim { get; }

    /// <summary>Number of input channels the first convolution expects.</summary>
    public abstract int InputChannels { get; }
}
