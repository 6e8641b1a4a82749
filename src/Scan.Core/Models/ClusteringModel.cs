using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Core.Models;

/// <summary>
/// The model of the SCAN and self-labelling stages: a backbone and one or more linear cluster heads, each with
/// <see cref="Clusters"/> outputs (logits). Several heads are trained side by side; the one with the lowest SCAN
/// loss is kept (<see cref="SelectedHead"/>). Optionally the heads also read a fixed projection of the images'
/// pixels (<see cref="PixelComponents"/>): on small data, where a few minutes of SimCLR learn little, the pixels
/// carry what the features have not learnt yet.
/// </summary>
public sealed class ClusteringModel : Module<Tensor, Tensor>
{
    // Names as the SCAN authors' state dicts: backbone.*, cluster_head.{i}.*
    private readonly Backbone backbone;
    private readonly ModuleList<Linear> cluster_head;
    /// <summary>Most pixel components a model may have (<see cref="Clustering.ScanClusteringOptions.PixelComponents"/>,
    /// <see cref="Inference.ScanModelInfo.PixelComponents"/>).</summary>
    internal const int MaxPixelComponents = 256;

    // Registered as buffers only when PixelComponents > 0: (C·H·W) mean and (C·H·W, PixelComponents) basis.
    private readonly Tensor? pixel_mean;
    private readonly Tensor? pixel_basis;

    /// <summary>Puts <paramref name="heads"/> linear heads of <paramref name="clusters"/> outputs on <paramref name="backbone"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clusters"/> &lt; 2 or <paramref name="heads"/> &lt; 1.</exception>
    public ClusteringModel(Backbone backbone, int clusters, int heads = 1) : this(backbone, clusters, heads, 0, 0) { }

    /// <summary>
    /// A model whose <paramref name="heads"/> linear heads of <paramref name="clusters"/> outputs read the features of
    /// <paramref name="backbone"/> and <paramref name="pixelComponents"/> principal components of the images'
    /// standardised pixels (<see cref="PixelComponents"/>); the components are zero until the clustering trainer fits
    /// them on its images (or a saved model is loaded).
    /// </summary>
    /// <param name="backbone">The feature extractor.</param>
    /// <param name="clusters">Outputs per head; at least 2.</param>
    /// <param name="heads">Heads; at least 1.</param>
    /// <param name="pixelComponents">Principal components of the pixels the heads read besides the features; 0 for none.</param>
    /// <param name="pixelsPerImage">Values per input image (channels x height x width); needed when
    /// <paramref name="pixelComponents"/> is above 0, and at least as large.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public static ClusteringModel Create(Backbone backbone, int clusters, int heads, int pixelComponents, int pixelsPerImage) =>
        new(backbone, clusters, heads, pixelComponents, pixelsPerImage);

    private ClusteringModel(Backbone backbone, int clusters, int heads, int pixelComponents, int pixelsPerImage)
        : base(nameof(ClusteringModel))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (clusters < 2)
            throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "SCAN needs at least 2 clusters.");
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(pixelComponents);
        if (pixelComponents > 0 && pixelsPerImage < pixelComponents)
            throw new ArgumentOutOfRangeException(nameof(pixelsPerImage), pixelsPerImage,
                $"{pixelComponents} pixel components need images of at least {pixelComponents} values (channels x height x width).");
        this.backbone = backbone;
        Clusters = clusters;
        PixelComponents = pixelComponents;
        cluster_head = new ModuleList<Linear>(Enumerable.Range(0, heads)
            .Select(_ => Linear(backbone.FeatureDim + pixelComponents, clusters)).ToArray());
        if (pixelComponents > 0)
        {
            pixel_mean = zeros(pixelsPerImage);
            pixel_basis = zeros(pixelsPerImage, pixelComponents);
        }
        RegisterComponents();
    }

    /// <summary>The shared feature extractor.</summary>
    public Backbone Backbone => backbone;

    /// <summary>Outputs per head.</summary>
    public int Clusters { get; }

    /// <summary>
    /// Principal components of the standardised pixels the heads read next to the backbone's features (0: features
    /// only). Each image's pixels are standardised per channel (mean 0, std 1: a tint, brightness or contrast counts
    /// for nothing) and projected on the components of the training images; the heads then read the L2-normalised
    /// features beside the L2-normalised projection, the two with equal weight, as the mined neighbours rank images by
    /// cos(features) + cos(pixels) (<see cref="Pipeline.MiningOptions.PixelWeight"/>).
    /// </summary>
    public int PixelComponents { get; }

    /// <summary>Length of the vector the heads read: the backbone's features plus <see cref="PixelComponents"/>.</summary>
    public int HeadInputDim => backbone.FeatureDim + PixelComponents;

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
        return cluster_head[_selectedHead].call(HeadInput(images)).MoveToOuterDisposeScope();
    }

    /// <summary>What the heads read: (B, C, H, W) → (B, <see cref="HeadInputDim"/>), the backbone's features, and
    /// with <see cref="PixelComponents"/> the normalised features beside the normalised pixel projection.</summary>
    public Tensor HeadInput(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (pixel_basis is null)
            return backbone.call(images);
        using var scope = NewDisposeScope();
        return Combined(backbone.call(images), PixelPart(images)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// What <see cref="HeadInput"/> reads of <paramref name="images"/> that the last <paramref name="lastStages"/>
    /// backbone stages do not change: the maps of the backbone's first stages, and the normalised pixel projection
    /// (null without <see cref="PixelComponents"/>). <see cref="HeadInputFromFirstStages"/> finishes the computation.
    /// </summary>
    /// <exception cref="InvalidOperationException">The backbone is not a <see cref="ResNetBackbone"/>, the one kind
    /// whose stages are known.</exception>
    internal (Tensor Maps, Tensor? Pixels) FirstStages(Tensor images, int lastStages)
    {
        using var scope = NewDisposeScope();
        var maps = Stages.ForwardFirstStages(images, lastStages).MoveToOuterDisposeScope();
        return (maps, pixel_basis is null ? null : PixelPart(images).MoveToOuterDisposeScope());
    }

    /// <summary><see cref="HeadInput"/> from what <see cref="FirstStages"/> returned with the same stage count:
    /// the gradient reaches the heads and the last stages only.</summary>
    internal Tensor HeadInputFromFirstStages(Tensor maps, Tensor? pixels, int lastStages)
    {
        using var scope = NewDisposeScope();
        var features = Stages.ForwardLastStages(maps, lastStages);
        return (pixels is null ? features : Combined(features, pixels)).MoveToOuterDisposeScope();
    }

    /// <summary>The backbone as a network of stages, for training its last ones.</summary>
    private ResNetBackbone Stages => backbone as ResNetBackbone ?? throw new InvalidOperationException(
        $"Only a ResNetBackbone's last stages can be trained alone; this model's backbone is a {backbone.GetType().Name}.");

    /// <summary>The normalised projection of the standardised pixels on the fitted components: (B, PixelComponents).</summary>
    private Tensor PixelPart(Tensor images) =>
        nn.functional.normalize(StandardizedPixels(images).sub(pixel_mean!).matmul(pixel_basis!), dim: 1);

    /// <summary>Normalised features beside the pixel projection, what heads with pixel components read.</summary>
    private static Tensor Combined(Tensor features, Tensor pixels) =>
        cat([nn.functional.normalize(features, dim: 1), pixels.to(features.dtype)], 1);

    /// <summary>
    /// Sets the pixel projection from <paramref name="images"/> (N, C, H, W): the mean and the leading principal
    /// components of their standardised pixels (<see cref="StandardizedPixels"/>), found by subspace iteration from a
    /// fixed start and signed so that each component's largest entry is positive: one set of images always gives one
    /// projection.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no pixel components.</exception>
    /// <exception cref="ArgumentException">The images do not have the model's number of values per image, or are fewer
    /// than <see cref="PixelComponents"/>.</exception>
    internal void FitPixelProjection(Tensor images)
    {
        if (pixel_basis is null || pixel_mean is null)
            throw new InvalidOperationException("This model has no pixel components (PixelComponents is 0).");
        if (images.dim() != 4 || images.shape[1] * images.shape[2] * images.shape[3] != pixel_mean.shape[0] || images.shape[0] < PixelComponents)
            throw new ArgumentException($"Expected at least {PixelComponents} images (N, C, H, W) of {pixel_mean.shape[0]} values each, found ({string.Join(", ", images.shape)}).", nameof(images));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = StandardizedPixels(images.to(ScalarType.Float64, CPU));
        var mean = x.mean([0]);
        var centred = x - mean;
        long d = centred.shape[1];
        int width = (int)Math.Min(d, PixelComponents + 16L);
        using var generator = new Generator(0, CPU);
        var basis = randn(new[] { d, (long)width }, ScalarType.Float64, CPU, generator: generator);
        // Subspace iteration on the covariance without forming it (D x D would be 9 M entries for 32x32 RGB).
        for (int i = 0; i < 6; i++)
            basis = linalg.qr(centred.t().matmul(centred.matmul(basis))).Q;
        var reduced = centred.matmul(basis);
        var (_, vectors) = linalg.eigh(reduced.t().matmul(reduced));   // ascending eigenvalues
        var leading = basis.matmul(vectors.flip(1)[.., ..PixelComponents]);
        var signs = leading.gather(0, leading.abs().argmax(0).unsqueeze(0)).sign();
        leading = leading * where(signs == 0, ones_like(signs), signs);
        pixel_mean.copy_(mean.to(pixel_mean.dtype, pixel_mean.device));
        pixel_basis.copy_(leading.to(pixel_basis.dtype, pixel_basis.device));
    }

    /// <summary>Copies the pixel projection of <paramref name="other"/>, a model of the same pixel shape.</summary>
    internal void CopyPixelProjection(ClusteringModel other)
    {
        if (pixel_mean is null || pixel_basis is null || other.pixel_mean is null || other.pixel_basis is null)
            return;
        using var noGrad = no_grad();
        pixel_mean.copy_(other.pixel_mean);
        pixel_basis.copy_(other.pixel_basis);
    }

    /// <summary>Weight (Clusters x HeadInputDim) and bias (Clusters) of one head, as the model holds them.</summary>
    internal (Tensor Weight, Tensor Bias) HeadWeights(int head) => (cluster_head[head].weight!, cluster_head[head].bias!);

    /// <summary>Each image's pixels standardised per channel (mean 0, std 1): (B, C, H, W) → (B, C·H·W). The pixel
    /// similarity of the mined neighbours is computed on the same values.</summary>
    internal static Tensor StandardizedPixels(Tensor images)
    {
        var planes = images.flatten(2);
        var standardized = (planes - planes.mean([2], keepdim: true)) / (planes.std(2, keepdim: true) + 1e-6);
        return standardized.flatten(1);
    }

    /// <summary>Logits of every head from what the heads read (<see cref="HeadInput"/>): (B, HeadInputDim) → one (B, Clusters) per head.</summary>
    public Tensor[] ForwardHeads(Tensor features) =>
        cluster_head.Select(head => head.call(features)).ToArray();

    /// <summary>Logits of one head from what the heads read (<see cref="HeadInput"/>).</summary>
    public Tensor ForwardHead(int head, Tensor features) => cluster_head[head].call(features);

    /// <summary>Overwrites one head's weight (Clusters x HeadInputDim) and bias (Clusters), e.g. from k-means centroids.</summary>
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
