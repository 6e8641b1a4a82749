using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al., "A Simple Framework for
/// Contrastive Learning of Visual Representations", ICML 2020, arXiv:2002.05709, Sec. 2.1, Eq. 1): the pretext
/// loss of SCAN's first stage (SCAN paper, Sec. 2.1).
/// </summary>
/// <remarks>
/// <para>
/// The B projections of each view are L2-normalised and stacked into 2B samples z. For anchor i, its positive is
/// the other view of the same image and the other 2B - 2 samples are its negatives:
/// ℓ_i = -log( exp(cos(z_i, z_pos(i)) / τ) / Σ_{k ≠ i} exp(cos(z_i, z_k) / τ) ). The loss is the mean of ℓ_i over
/// all 2B anchors. It is invariant to scaling either view's projections by a positive factor and to permuting the
/// images of the batch (the same permutation in both views).
/// </para>
/// <para>Usage, one SimCLR step:</para>
/// <code>
/// using var loss = new NTXentLoss(temperature: 0.1);
/// using var scope = torch.NewDisposeScope();
/// var l = loss.call(model.call(view1), model.call(view2)); // (B, D) each
/// l.backward();
/// </code>
/// </remarks>
public sealed class NTXentLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>
    /// Creates the loss.
    /// </summary>
    /// <param name="temperature">τ, the softmax temperature: finite and &gt; 0. The default, 0.1, is the SimCLR
    /// temperature of the SCAN authors' CIFAR and STL-10 pretext configurations.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not a finite number &gt; 0.</exception>
    public NTXentLoss(double temperature = 0.1) : base(nameof(NTXentLoss))
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"{nameof(temperature)} (τ) must be a finite number > 0; got {temperature}.");
        Temperature = temperature;
    }

    /// <summary>τ, the softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>
    /// The NT-Xent loss of two views of the same B images.
    /// </summary>
    /// <param name="view1Projections">Projections of the first view, shape (B, D), floating point, B ≥ 2 (each anchor
    /// needs at least one negative), D ≥ 1. Row b is image b.</param>
    /// <param name="view2Projections">Projections of the second view: same shape, dtype and device; row b is the
    /// same image b under another augmentation.</param>
    /// <returns>The mean loss over the 2B anchors: a scalar tensor of the inputs' dtype and device, differentiable
    /// with respect to both inputs.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A tensor is not a floating-point (B, D) matrix, B &lt; 2, or the two
    /// views differ in shape, dtype or device.</exception>
    public override Tensor forward(Tensor view1Projections, Tensor view2Projections)
    {
        LossArguments.RequireFloatingMatrix(view1Projections, nameof(view1Projections), "(B, D)", minRows: 2, minColumns: 1);
        LossArguments.RequireFloatingMatrix(view2Projections, nameof(view2Projections), "(B, D)", minRows: 2, minColumns: 1);
        LossArguments.RequireSameLayout(view1Projections, nameof(view1Projections), view2Projections, nameof(view2Projections));
        return Compute(view1Projections, view2Projections);
    }

    /// <summary>
    /// The NT-Xent loss of two views stacked in one tensor, as a data loader that yields both views per image
    /// produces them.
    /// </summary>
    /// <param name="views">Projections, shape (B, 2, D), floating point, B ≥ 2, D ≥ 1: views[b, 0] and views[b, 1]
    /// are the two views of image b.</param>
    /// <returns>The same value as <c>forward(views[:, 0], views[:, 1])</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="views"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="views"/> is not floating point, not of shape (B, 2, D),
    /// or B &lt; 2.</exception>
    public Tensor forward(Tensor views)
    {
        LossArguments.RequireFloating(views, nameof(views));
        if (views.dim() != 3 || views.shape[1] != 2 || views.shape[2] < 1)
            throw new ArgumentException(
                $"{nameof(views)} must have shape (B, 2, D) with two views per image; got shape {LossArguments.Describe(views.shape)}.",
                nameof(views));
        if (views.shape[0] < 2)
            throw new ArgumentException(
                $"{nameof(views)} must hold at least 2 images (B ≥ 2) so that every anchor has a negative; got shape {LossArguments.Describe(views.shape)}.",
                nameof(views));
        using var scope = NewDisposeScope();
        var loss = Compute(views.select(1, 0), views.select(1, 1));
        return loss.MoveToOuterDisposeScope();
    }

    private Tensor Compute(Tensor view1, Tensor view2)
    {
        using var scope = NewDisposeScope();
        long b = view1.shape[0];
        // shape: (2B, D), unit rows; eps 1e-12 as torch.nn.functional.normalize, so an all-zero row stays zero.
        var z = cat(new[] { nn.functional.normalize(view1, dim: 1), nn.functional.normalize(view2, dim: 1) }, 0);
        // shape: (2B, 2B), cosine similarity over temperature.
        var logits = z.mm(z.t()).div(Temperature);
        // An anchor is neither its own positive nor its own negative: exp(-inf) = 0 drops it from the denominator.
        using (var self = eye(2 * b, dtype: ScalarType.Bool, device: z.device))
            logits = logits.masked_fill(self, double.NegativeInfinity);
        // The positive of anchor i < B is i + B (same image, other view), and of i + B is i.
        var positives = cat(new[] { arange(b, 2 * b, device: z.device), arange(0, b, device: z.device) }, 0);
        var loss = nn.functional.cross_entropy(logits, positives);
        return loss.MoveToOuterDisposeScope();
    }
}
