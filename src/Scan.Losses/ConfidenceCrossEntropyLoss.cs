using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// The confidence-based cross-entropy of SCAN's self-labelling step (Van Gansbeke et al., "SCAN: Learning to
/// Classify Images without Labels", ECCV 2020, arXiv:2005.12320, Sec. 2.3): the network's own confident predictions
/// on weakly augmented images become pseudo-labels for strongly augmented views of the same images.
/// </summary>
/// <remarks>
/// <para>
/// For each sample b, with p_b = softmax(weak logits_b): if max_c p_b,c &gt; <see cref="Threshold"/> (strictly), its
/// pseudo-label is y_b = argmax_c p_b,c. The targets carry no gradient (the weak logits are detached). The loss is the
/// cross-entropy of the strong logits against y over the N confident samples:
/// </para>
/// <list type="bullet">
/// <item>without class balancing, the plain mean (1/N) Σ_b CE_b;</item>
/// <item>with class balancing, the weighted mean Σ_b w_{y_b}·CE_b / Σ_b w_{y_b} with w_c = 1 / n_c, n_c the number
/// of confident samples labelled c. This is torch.nn.functional.cross_entropy(weight: w, reduction: mean), and equals
/// the mean over the K classes present of each class's mean cross-entropy, so a frequent cluster cannot dominate
/// the update. Any scale of w gives the same value: the authors' w_c = N / n_c (inverse frequency) included.</item>
/// </list>
/// <para>
/// When no sample passes the threshold the loss is an exact 0 that is still connected to the strong logits, so
/// <c>Loss.backward()</c> works and gives all-zero gradients; nothing throws mid-training. Check
/// <see cref="SelfLabelLossResult.ConfidentCount"/> to log it.
/// </para>
/// </remarks>
public sealed class ConfidenceCrossEntropyLoss
{
    /// <summary>
    /// Creates the loss.
    /// </summary>
    /// <param name="threshold">Confidence threshold: a sample is used when its maximum weak softmax probability is
    /// strictly greater. In [0, 1). The default, 0.99, is the authors' setting for all datasets.</param>
    /// <param name="classBalance">Weight each class by the inverse of its count among the confident samples (on by
    /// default, as in the authors' configurations).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not in [0, 1).</exception>
    public ConfidenceCrossEntropyLoss(double threshold = 0.99, bool classBalance = true)
    {
        // A threshold of 1 or more can never be passed, since a probability never exceeds 1.
        if (!(threshold >= 0 && threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold,
                $"{nameof(threshold)} must be in [0, 1) (a probability that can be exceeded); got {threshold}.");
        Threshold = threshold;
        ClassBalance = classBalance;
    }

    /// <summary>The confidence threshold on the maximum weak softmax probability (strict inequality).</summary>
    public double Threshold { get; }

    /// <summary>Whether classes are weighted by the inverse of their count among the confident samples.</summary>
    public bool ClassBalance { get; }

    /// <summary>
    /// The self-labelling loss of one batch.
    /// </summary>
    /// <param name="weakLogits">Logits of the weakly augmented (or un-augmented) images, shape (B, C), floating point,
    /// B ≥ 1, C ≥ 1. Source of the pseudo-labels; no gradient flows into them.</param>
    /// <param name="strongLogits">Logits of strongly augmented views of the same images (row b is image b): same
    /// shape, dtype and device. The loss is differentiable with respect to these.</param>
    /// <returns>The loss, the confident mask and count and the pseudo-labels; the caller owns the tensors (see
    /// <see cref="SelfLabelLossResult"/>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A tensor is not a floating-point (B, C) matrix with B, C ≥ 1, or the two
    /// differ in shape, dtype or device.</exception>
    public SelfLabelLossResult Compute(Tensor weakLogits, Tensor strongLogits)
    {
        LossArguments.RequireFloatingMatrix(weakLogits, nameof(weakLogits), "(B, C)", minRows: 1, minColumns: 1);
        LossArguments.RequireFloatingMatrix(strongLogits, nameof(strongLogits), "(B, C)", minRows: 1, minColumns: 1);
        LossArguments.RequireSameLayout(weakLogits, nameof(weakLogits), strongLogits, nameof(strongLogits));

        using var scope = NewDisposeScope();
        Tensor confident, pseudoLabels;
        using (no_grad())
        {
            // shape: (B) each.
            var (maxProbability, argmax) = nn.functional.softmax(weakLogits.detach(), 1).max(1);
            confident = maxProbability.gt(Threshold);
            pseudoLabels = argmax;
        }
        // One synchronisation per batch: the count is needed to pick the path and for logging.
        int count = (int)confident.sum().item<long>();

        Tensor loss;
        if (count == 0)
        {
            // Sum over an empty slice: exactly 0, part of the graph, backward gives zero gradients (0·x would give
            // NaN for infinite logits).
            loss = strongLogits.narrow(0, 0, 0).sum();
        }
        else
        {
            // shape: (N, C) and (N).
            var input = strongLogits[confident];
            var target = pseudoLabels[confident];
            Tensor? weight = ClassBalance ? InverseCountWeights(target, strongLogits.shape[1], strongLogits.dtype) : null;
            loss = nn.functional.cross_entropy(input, target, weight: weight);
        }

        return new SelfLabelLossResult(
            loss.MoveToOuterDisposeScope(),
            confident.MoveToOuterDisposeScope(),
            count,
            pseudoLabels.MoveToOuterDisposeScope());
    }

    /// <summary>w_c = 1 / n_c for the classes present among the targets, 0 for the others (which no target uses).</summary>
    private static Tensor InverseCountWeights(Tensor target, long numClasses, ScalarType dtype)
    {
        var counts = bincount(target, minlength: numClasses).to_type(dtype);
        return where(counts.gt(0), counts.reciprocal(), zeros_like(counts));
    }
}
