using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Clustering;

/// <summary>
/// Settings of the SCAN clustering stage. Defaults are the SCAN authors' CIFAR-10 settings: entropy weight 5,
/// Adam lr 1e-4 and weight decay 1e-4, batch 128, 50 epochs, the whole network updated.
/// </summary>
public sealed class ScanClusteringOptions : IValidatableObject
{
    /// <summary>Number of clusters C (the number of classes expected).</summary>
    [Range(2, 100_000, ErrorMessage = "Clusters must be in [{1}, {2}].")]
    public int Clusters { get; set; } = 10;

    /// <summary>Cluster heads trained side by side; the one with the lowest SCAN loss is kept.</summary>
    [Range(1, 100, ErrorMessage = "Heads must be in [{1}, {2}].")]
    public int Heads { get; set; } = 1;

    /// <summary>
    /// λ, the weight of the entropy term. The paper's text gives 2.0 as the default; the authors' CIFAR and STL
    /// configuration files use 5.0, which is the default here.
    /// </summary>
    [Range(0.0, 1000.0, ErrorMessage = "EntropyWeight must be in [{1}, {2}] (negative values reward collapse).")]
    public double EntropyWeight { get; set; } = 5.0;

    /// <summary>
    /// One λ per head, cycled when there are more heads than values (null: every head uses
    /// <see cref="EntropyWeight"/>). Heads trained with a larger λ are more balanced and rarely collapse; heads with a
    /// smaller λ follow the neighbours more closely. After training, heads are compared on one scale, the SCAN loss
    /// with <see cref="EntropyWeight"/>, among those whose partition is not degenerate
    /// (<see cref="HeadLoss.Degenerate"/>), so a spread of λ values is a remedy for data where one λ collapses.
    /// </summary>
    public double[]? EntropyWeights { get; set; }

    /// <summary>The λ head <paramref name="head"/> trains with.</summary>
    public double EntropyWeightOf(int head) =>
        EntropyWeights is { Length: > 0 } weights ? weights[head % weights.Length] : EntropyWeight;

    /// <summary>Passes over the dataset.</summary>
    [Range(1, 100_000, ErrorMessage = "Epochs must be in [{1}, {2}].")]
    public int Epochs { get; set; } = 50;

    /// <summary>Anchors per step (each with one random neighbour).</summary>
    [Range(2, 1 << 20, ErrorMessage = "BatchSize must be in [{1}, {2}].")]
    public int BatchSize { get; set; } = 128;

    /// <summary>Adam learning rate.</summary>
    [Range(1e-9, 10.0, ErrorMessage = "LearningRate must be in [{1}, {2}].")]
    public double LearningRate { get; set; } = 1e-4;

    /// <summary>Adam weight decay.</summary>
    [Range(0.0, 1.0, ErrorMessage = "WeightDecay must be in [{1}, {2}].")]
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>
    /// True (the authors' setting) updates backbone and heads. False trains only the heads, on backbone features
    /// computed once per augmented pass (<see cref="FeatureCachePasses"/>): orders of magnitude faster on a CPU.
    /// </summary>
    public bool UpdateBackbone { get; set; } = true;

    /// <summary>
    /// With <see cref="UpdateBackbone"/> false: how many differently augmented copies of the dataset are embedded
    /// once and cycled through, one per epoch.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "FeatureCachePasses must be in [{1}, {2}].")]
    public int FeatureCachePasses { get; set; } = 5;

    /// <summary>
    /// With <see cref="UpdateBackbone"/> false: which views of the images the cached features are computed from.
    /// <see cref="CachedViews.Strong"/> (the default) is the recipe the full network trains on.
    /// </summary>
    [EnumDataType(typeof(CachedViews), ErrorMessage = "FeatureCacheViews must be Strong, Weak or Unaugmented.")]
    public CachedViews FeatureCacheViews { get; set; } = CachedViews.Strong;

    /// <summary>
    /// With <see cref="UpdateBackbone"/> false: how many of the backbone's last stages (of a
    /// <see cref="Models.ResNetBackbone"/>'s four) train with the heads, on cached maps of the frozen stages before
    /// them, at <see cref="BackboneLearningRate"/>. 0 (the default) trains the heads alone. Between the authors'
    /// whole-network update and heads alone: the last stage adapts to the neighbours at a fraction of a backbone pass
    /// per step. The cache then holds the first stages' maps, larger than features (64·7·7 values an image for the
    /// Quick preset's backbone at 28x28, against 128: 4.4 GB for five passes over 70,000 images).
    /// </summary>
    [Range(0, Models.ResNetBackbone.StageCount, ErrorMessage = "FineTunedBackboneStages must be in [{1}, {2}].")]
    public int FineTunedBackboneStages { get; set; }

    /// <summary>Adam learning rate of the backbone stages that <see cref="FineTunedBackboneStages"/> trains (the heads
    /// keep <see cref="LearningRate"/>): 1e-4 by default, the authors' rate for the whole network.</summary>
    [Range(1e-9, 10.0, ErrorMessage = "BackboneLearningRate must be in [{1}, {2}].")]
    public double BackboneLearningRate { get; set; } = 1e-4;

    /// <summary>
    /// With <see cref="UpdateBackbone"/> false: how many heads, the last ones, start from k-means on the cached
    /// features instead of random weights (each from its own seed), so that they begin at the partition k-means finds
    /// and SCAN moves them only where the neighbours disagree with it. The rest start at random, and the label-free
    /// head choice compares both kinds. 0 (the default) starts every head at random, as the authors do.
    /// </summary>
    [Range(0, 100, ErrorMessage = "KMeansInitializedHeads must be in [{1}, {2}].")]
    public int KMeansInitializedHeads { get; set; }

    /// <summary>
    /// How many principal components of the images' standardised pixels the heads read next to the backbone's
    /// features (<see cref="Models.ClusteringModel.PixelComponents"/>); the model must be built with the same number.
    /// 0 (the default, as the authors) for features only. The components are fitted on the training images when
    /// training starts.
    /// </summary>
    [Range(0, Models.ClusteringModel.MaxPixelComponents, ErrorMessage = "PixelComponents must be in [{1}, {2}].")]
    public int PixelComponents { get; set; }

    /// <summary>
    /// Overclustering then merging: with a value above 1 the heads train with this many times <see cref="Clusters"/>
    /// outputs, then each head's clusters are joined into <see cref="Clusters"/> groups where the mined neighbour
    /// pairs link them most, and the model's head is fitted to the merged probabilities. Merged clusters may differ
    /// in size as the data's classes do (SCAN's entropy term alone pulls them to equal sizes). Needs
    /// <see cref="UpdateBackbone"/> false. 1 (the default, as the authors) trains <see cref="Clusters"/> directly.
    /// </summary>
    [Range(1, 10, ErrorMessage = "Overclustering must be in [{1}, {2}].")]
    public int Overclustering { get; set; } = 1;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KMeansInitializedHeads > Heads)
        {
            yield return new ValidationResult(
                $"KMeansInitializedHeads ({KMeansInitializedHeads}) must not exceed Heads ({Heads}).",
                new[] { nameof(KMeansInitializedHeads), nameof(Heads) });
        }
        if (Overclustering > 1 && UpdateBackbone)
        {
            yield return new ValidationResult(
                $"Overclustering ({Overclustering}) trains heads on cached features; set UpdateBackbone to false.",
                new[] { nameof(Overclustering), nameof(UpdateBackbone) });
        }
        if (FineTunedBackboneStages > 0 && UpdateBackbone)
        {
            yield return new ValidationResult(
                $"FineTunedBackboneStages ({FineTunedBackboneStages}) trains the last stages on cached maps; UpdateBackbone trains the whole backbone. Set UpdateBackbone to false.",
                new[] { nameof(FineTunedBackboneStages), nameof(UpdateBackbone) });
        }
        if (EntropyWeights is not null && EntropyWeights.Any(w => !(w >= 0 && w <= 1000)))
        {
            yield return new ValidationResult(
                $"EntropyWeights must each be in [0, 1000], found [{string.Join(", ", EntropyWeights)}].",
                new[] { nameof(EntropyWeights) });
        }
    }
}
