using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// The SCAN loss of one clustering head and its two parts, so that a trainer can log them and pick the head with
/// the lowest <see cref="Total"/> (SCAN paper, Sec. 2.2 and the authors' practice of keeping the lowest-loss head).
/// </summary>
/// <remarks>
/// Ownership: the caller owns the three scalar tensors. They are created in the caller's dispose scope, if any;
/// <see cref="Dispose"/> releases them early (disposing twice, or again through the scope, is harmless).
/// Keep the result alive until after <c>Total.backward()</c>.
/// </remarks>
/// <param name="Total">Consistency - λ·Entropy: the value to minimise. Scalar, differentiable.</param>
/// <param name="Consistency">Mean over the batch of -log⟨softmax(anchor), softmax(neighbour)⟩. Scalar, ≥ 0,
/// differentiable.</param>
/// <param name="Entropy">Entropy, in nats, of the batch-mean anchor distribution (see
/// <see cref="Scan.Losses.Entropy.OfBatchMean"/>). Scalar, between 0 and log C, differentiable.</param>
public sealed record ScanLossResult(Tensor Total, Tensor Consistency, Tensor Entropy) : IDisposable
{
    /// <summary>Disposes <see cref="Total"/>, <see cref="Consistency"/> and <see cref="Entropy"/>.</summary>
    public void Dispose()
    {
        Total.Dispose();
        Consistency.Dispose();
        Entropy.Dispose();
    }
}
