using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Core.Models;

/// <summary>
/// The SimCLR model of the pretext stage: a backbone and an MLP projection head (features → features → 128,
/// ReLU between), whose output is L2-normalised. After training, the backbone is handed to the clustering stage
/// and the normalised projections are what neighbours are mined on.
/// </summary>
public sealed class ContrastiveModel : Module<Tensor, Tensor>
{
    // Names as the SCAN authors' state dicts: backbone.*, contrastive_head.{0,2}.*
    private readonly Backbone backbone;
    private readonly Sequential contrastive_head;

    /// <summary>Wraps <paramref name="backbone"/> with a projection head of output size <paramref name="projectionDim"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="projectionDim"/> is less than 1.</exception>
    public ContrastiveModel(Backbone backbone, int projectionDim = 128) : base(nameof(ContrastiveModel))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfLessThan(projectionDim, 1);
        this.backbone = backbone;
        ProjectionDim = projectionDim;
        contrastive_head = Sequential(
            Linear(backbone.FeatureDim, backbone.FeatureDim),
            ReLU(),
            Linear(backbone.FeatureDim, projectionDim));
        RegisterComponents();
    }

    /// <summary>The feature extractor being trained.</summary>
    public Backbone Backbone => backbone;

    /// <summary>Length of the projection.</summary>
    public int ProjectionDim { get; }

    /// <summary>L2-normalised projections: (B, C, H, W) → (B, <see cref="ProjectionDim"/>).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var projections = contrastive_head.call(backbone.call(images));
        return functional.normalize(projections, p: 2, dim: 1).MoveToOuterDisposeScope();
    }
}
