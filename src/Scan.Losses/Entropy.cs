using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// Shannon entropy of categorical distributions, in nats (natural logarithm), as used by the entropy term of the
/// SCAN loss (Van Gansbeke et al., "SCAN: Learning to Classify Images without Labels", ECCV 2020,
/// arXiv:2005.12320, Sec. 2.2, Eq. 2).
/// </summary>
/// <remarks>
/// <para>
/// Semantics: a distribution of shape (C) gives its entropy -Σ_c p_c log p_c (a scalar); a batch of shape (B, C)
/// gives the <b>mean over the batch</b> of the per-row entropies (a scalar). For the entropy of the batch-mean
/// distribution, which is what SCAN maximises, use <see cref="OfBatchMean"/>.
/// </para>
/// <para>
/// Stability: the authors' code clamps probabilities at eps = 1e-8 before p·log p. That adds up to 1.8e-7 nats per
/// empty class and stops the gradient for probabilities below 1e-8. Here, from logits, everything is computed in
/// log space (log_softmax and logsumexp), which is exact and finite for any finite logits, e.g. ±1e4. From
/// probabilities, only the argument of the log is clamped, at the smallest normal number of the dtype
/// (1.2e-38 for float32, 2.2e-308 for float64), so 0·log 0 counts as 0, the value is unbiased, and the gradient
/// at p = 0 is finite (log of that number). Whenever every probability is at least 1e-8 the authors' clamp is
/// inactive and both give the same value.
/// </para>
/// </remarks>
public static class Entropy
{
    /// <summary>
    /// Entropy, in nats, of one distribution (shape (C)) or the mean entropy of a batch of distributions (shape
    /// (B, C)), along the last dimension.
    /// </summary>
    /// <param name="probabilities">Probabilities (non-negative, each row summing to 1; not checked, that would
    /// cost a device synchronisation) or, with <paramref name="inputIsLogits"/>, unnormalised logits. Shape (C) or
    /// (B, C), floating point, C ≥ 1, B ≥ 1.</param>
    /// <param name="inputIsLogits">When true, <paramref name="probabilities"/> holds logits and the entropy of
    /// softmax(logits) is computed in log space.</param>
    /// <returns>A scalar tensor of the input's dtype and device, differentiable with respect to the input.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probabilities"/> is null.</exception>
    /// <exception cref="ArgumentException">The tensor is not floating point, not of rank 1 or 2, or has an empty
    /// dimension.</exception>
    public static Tensor Of(Tensor probabilities, bool inputIsLogits = false)
    {
        LossArguments.RequireFloating(probabilities, nameof(probabilities));
        if (probabilities.dim() is not (1 or 2))
            throw new ArgumentException(
                $"{nameof(probabilities)} must have shape (C) or (B, C); got rank {probabilities.dim()} shape {LossArguments.Describe(probabilities.shape)}.",
                nameof(probabilities));
        if (probabilities.numel() == 0)
            throw new ArgumentException(
                $"{nameof(probabilities)} must not be empty; got shape {LossArguments.Describe(probabilities.shape)}.",
                nameof(probabilities));

        using var scope = NewDisposeScope();
        var plogp = inputIsLogits ? PLogPFromLogits(probabilities) : PLogPFromProbabilities(probabilities);
        // Sum over classes, then mean over the batch (a no-op for a single distribution).
        var entropy = plogp.sum(-1).mean().neg();
        return entropy.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Entropy, in nats, of the batch-mean prediction p̄ = (1/B) Σ_b softmax(logits_b): the term H(p̄) that the SCAN
    /// loss maximises so that the clusters do not collapse into one (SCAN paper, Eq. 2).
    /// </summary>
    /// <remarks>
    /// Computed in log space: log p̄ = logsumexp_b(log_softmax(logits_b)) - log B, H = -Σ_c p̄_c log p̄_c. Exact and
    /// finite, with finite gradients, for any finite logits; an empty cluster (p̄_c that underflows) contributes 0.
    /// </remarks>
    /// <param name="logits">Cluster logits, shape (B, C), floating point, B ≥ 1, C ≥ 1.</param>
    /// <returns>A scalar tensor of the input's dtype and device, differentiable with respect to the logits; at most
    /// log C.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is not a floating-point (B, C) tensor with
    /// B ≥ 1 and C ≥ 1.</exception>
    public static Tensor OfBatchMean(Tensor logits)
    {
        LossArguments.RequireFloatingMatrix(logits, nameof(logits), "(B, C)", minRows: 1, minColumns: 1);
        using var scope = NewDisposeScope();
        var entropy = OfBatchMeanFromLogProbabilities(nn.functional.log_softmax(logits, 1));
        return entropy.MoveToOuterDisposeScope();
    }

    /// <summary>H(p̄) from per-sample log-probabilities (B, C); shared with <see cref="ScanLoss"/>, which already
    /// holds log_softmax of the anchors. The caller owns the dispose scope.</summary>
    internal static Tensor OfBatchMeanFromLogProbabilities(Tensor logProbabilities)
    {
        var logMean = logProbabilities.logsumexp(0).sub(Math.Log(logProbabilities.shape[0]));
        return logMean.exp().mul(logMean).sum().neg();
    }

    private static Tensor PLogPFromLogits(Tensor logits)
    {
        var logP = nn.functional.log_softmax(logits, -1);
        return logP.exp().mul(logP);
    }

    private static Tensor PLogPFromProbabilities(Tensor probabilities)
    {
        // Clamp only the log's argument, at the dtype's smallest normal number: 0·log(tiny) = 0 exactly, and
        // d/dp [p·log max(p, tiny)] = log(tiny) at p = 0, finite (an eps of 1e-8 on both factors would bias the value).
        var tiny = finfo(probabilities.dtype).tiny;
        return probabilities.mul(probabilities.clamp_min(tiny).log());
    }
}
