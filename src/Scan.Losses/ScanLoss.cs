using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// The SCAN clustering loss (Van Gansbeke et al., "SCAN: Learning to Classify Images without Labels", ECCV 2020,
/// arXiv:2005.12320, Sec. 2.2, Eq. 2): each image and one of its mined nearest neighbours should be assigned to the
/// same cluster, confidently, while the clusters as a whole stay in use.
/// </summary>
/// <remarks>
/// <para>
/// With p_b = softmax(anchor logits_b) and q_b = softmax(neighbour logits_b) over the C clusters:
/// Consistency = -(1/B) Σ_b log⟨p_b, q_b⟩, Entropy = H(p̄) with p̄ = (1/B) Σ_b p_b, and
/// Total = Consistency - λ·Entropy, λ = <see cref="EntropyWeight"/>. Total is bounded below by -λ·log C, reached by
/// confident, agreeing predictions spread evenly over the clusters.
/// </para>
/// <para>
/// Stability: log⟨p, q⟩ is computed as logsumexp_c(log_softmax(a)_c + log_softmax(n)_c), which stays exact when the
/// product p_c·q_c underflows (strong disagreement, logits of ±1e4) and never takes log 0. The authors compute the
/// inner product of probabilities and apply binary cross-entropy against 1, where PyTorch clamps the log at -100:
/// their per-sample term saturates at 100 with zero gradient, ours keeps the true value and gradient. The entropy
/// is computed in log space as well (see <see cref="Entropy.OfBatchMean"/>). Gradients flow into both the anchor and
/// the neighbour logits, as in the paper, where both pass through the network being trained.
/// </para>
/// <para>Usage, one SCAN step with several heads:</para>
/// <code>
/// var loss = new ScanLoss(entropyWeight: 5.0);
/// using var scope = torch.NewDisposeScope();
/// var heads = anchorHeads.Zip(neighborHeads, (a, n) => (a, n)).ToList(); // (B, C) logits per head
/// var results = loss.Compute(heads);
/// torch.stack(results.Select(r => r.Total)).sum().backward();
/// </code>
/// </remarks>
public sealed class ScanLoss
{
    /// <summary>
    /// Creates the loss.
    /// </summary>
    /// <param name="entropyWeight">λ, the weight of the entropy term: finite and ≥ 0. The default, 5.0, is the value
    /// of the authors' CIFAR-10, CIFAR-100-20 and STL-10 configurations; the paper's text gives 2.0. 0 switches the
    /// entropy term off (and lets all samples collapse into one cluster).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entropyWeight"/> is not a finite number ≥ 0.</exception>
    public ScanLoss(double entropyWeight = 5.0)
    {
        if (!double.IsFinite(entropyWeight) || entropyWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(entropyWeight), entropyWeight,
                $"{nameof(entropyWeight)} (λ) must be a finite number ≥ 0; got {entropyWeight}.");
        EntropyWeight = entropyWeight;
    }

    /// <summary>λ, the weight of the entropy term.</summary>
    public double EntropyWeight { get; }

    /// <summary>
    /// The SCAN loss of one clustering head.
    /// </summary>
    /// <param name="anchorLogits">Cluster logits of the anchor images, shape (B, C), floating point, B ≥ 1, C ≥ 1.</param>
    /// <param name="neighborLogits">Cluster logits of one mined neighbour per anchor (row b is a neighbour of anchor
    /// b): same shape, dtype and device.</param>
    /// <returns>Total, Consistency and Entropy as scalar tensors of the inputs' dtype; the caller owns them (see
    /// <see cref="ScanLossResult"/>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A tensor is not a floating-point (B, C) matrix with B, C ≥ 1, or the two
    /// differ in shape, dtype or device.</exception>
    public ScanLossResult Compute(Tensor anchorLogits, Tensor neighborLogits)
    {
        Validate(anchorLogits, nameof(anchorLogits), neighborLogits, nameof(neighborLogits));
        return ComputeValidated(anchorLogits, neighborLogits);
    }

    /// <summary>
    /// The SCAN loss of several clustering heads on the same batch, one result per head in the given order. The
    /// authors train several heads at once and keep the one with the lowest total loss.
    /// </summary>
    /// <param name="heads">One (anchor logits, neighbour logits) pair per head, each as in
    /// <see cref="Compute(Tensor, Tensor)"/>; heads may differ in their number of clusters. At least one head.</param>
    /// <returns>One result per head; the caller owns them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="heads"/> or a tensor in it is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="heads"/> is empty or a pair is invalid (the message names
    /// the head's index). All heads are checked before any is computed.</exception>
    public IReadOnlyList<ScanLossResult> Compute(IReadOnlyList<(Tensor Anchor, Tensor Neighbor)> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        if (heads.Count == 0)
            throw new ArgumentException($"{nameof(heads)} must hold at least one (anchor, neighbour) logits pair; got 0.", nameof(heads));
        for (int h = 0; h < heads.Count; h++)
            Validate(heads[h].Anchor, $"{nameof(heads)}[{h}].Anchor", heads[h].Neighbor, $"{nameof(heads)}[{h}].Neighbor");

        var results = new List<ScanLossResult>(heads.Count);
        foreach (var (anchor, neighbor) in heads)
            results.Add(ComputeValidated(anchor, neighbor));
        return results;
    }

    private static void Validate(Tensor anchor, string anchorName, Tensor neighbor, string neighborName)
    {
        LossArguments.RequireFloatingMatrix(anchor, anchorName, "(B, C)", minRows: 1, minColumns: 1);
        LossArguments.RequireFloatingMatrix(neighbor, neighborName, "(B, C)", minRows: 1, minColumns: 1);
        LossArguments.RequireSameLayout(anchor, anchorName, neighbor, neighborName);
    }

    private ScanLossResult ComputeValidated(Tensor anchorLogits, Tensor neighborLogits)
    {
        using var scope = NewDisposeScope();
        // shape: (B, C) each.
        var logP = nn.functional.log_softmax(anchorLogits, 1);
        var logQ = nn.functional.log_softmax(neighborLogits, 1);
        // shape: (B), log⟨p_b, q_b⟩ without forming the (possibly underflowing) products.
        var logInner = logP.add(logQ).logsumexp(1);
        var consistency = logInner.mean().neg();
        var entropy = Scan.Losses.Entropy.OfBatchMeanFromLogProbabilities(logP);
        var total = consistency.sub(entropy.mul(EntropyWeight));
        return new ScanLossResult(
            total.MoveToOuterDisposeScope(),
            consistency.MoveToOuterDisposeScope(),
            entropy.MoveToOuterDisposeScope());
    }
}
