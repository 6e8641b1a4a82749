using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Core.Models;

/// <summary>
/// The model of the SCAN and self-labelling stages: a backbone and one or more linear cluster heads, each with
/// <see cref="Clusters"/> outputs (logits). Several heads are trained side by side; the one with the lowest SCAN
/// loss is kept (<see cref="SelectedHead"/>).
/// </summary>
public sealed class ClusteringModel : Module<Tensor, Tensor>
{
    // Names as the SCAN authors' state dicts: backbone.*, cluster_head.{i}.*
    private readonly Backbone backbone;
    private readonly ModuleList<Linear> cluster_head;

    /// <summary>Puts <paramref name="heads"/> linear heads of <paramref name="clusters"/> outputs on <paramref name="backbone"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clusters"/> &lt; 2 or <paramref name="heads"/> &lt; 1.</exception>
    public ClusteringModel(Backbone backbone, int clusters, int heads = 1) : base(nameof(ClusteringModel))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (clusters < 2)
            throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "SCAN needs at least 2 clusters.");
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        this.backbone = backbone;
        Clusters = clusters;
        cluster_head = new ModuleList<Linear>(Enumerable.Range(0, heads)
            .Select(_ => Linear(backbone.FeatureDim, clusters)).ToArray());
        RegisterComponents();
    }

    /// <summary>The shared feature extractor.</summary>
    public Backbone Backbone => backbone;

    /// <summary>Outputs per head.</summary>
    public int Clusters { get; }

    /// <summary>Number of heads.</summary>
    public int HeadCount => cluster_head.Count;

    /// <summary>The head <see cref="forward"/> uses; set after training to the lowest-loss head.</summary>
    public int SelectedHead
    {
        get => _selectedHead;
        set
        {
            if (value < 0 || value >= HeadCount)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Expected a head index in [0, {HeadCount}).");
            _selectedHead = value;
        }
    }

    private int _selectedHead;

    /// <summary>Logits of the selected head: (B, C, H, W) → (B, <see cref="Clusters"/>).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return cluster_head[_selectedHead].call(backbone.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits of every head from backbone features: (B, FeatureDim) → one (B, Clusters) per head.</summary>
    public Tensor[] ForwardHeads(Tensor features) =>
        cluster_head.Select(head => head.call(features)).ToArray();

    /// <summary>Logits of one head from backbone features.</summary>
    public Tensor ForwardHead(int head, Tensor features) => cluster_head[head].call(features);

    /// <summary>Overwrites one head's weight (Clusters x FeatureDim) and bias (Clusters), e.g. from k-means centroids.</summary>
    internal void InitializeHead(int head, Tensor weight, Tensor bias)
    {
        using var noGrad = no_grad();
        var linear = cluster_head[head];
        linear.weight!.copy_(weight);
        linear.bias!.copy_(bias);
    }

    /// <summary>The parameters of the cluster heads only (for training the heads on frozen features).</summary>
    public IEnumerable<Parameter> HeadParameters() => cluster_head.parameters();
}
