using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// The self-labelling loss of one batch with what a trainer logs alongside it: which samples were confident and
/// the pseudo-labels (SCAN paper, Sec. 2.3).
/// </summary>
/// <remarks>
/// Ownership: the caller owns the three tensors. They are created in the caller's dispose scope, if any;
/// <see cref="Dispose"/> releases them early (disposing twice, or again through the scope, is harmless).
/// </remarks>
/// <param name="Loss">Mean (optionally class-balanced) cross-entropy over the confident samples. Scalar, of the
/// logits' dtype, differentiable with respect to the strong logits; exactly 0 with all-zero gradients when
/// <see cref="ConfidentCount"/> is 0.</param>
/// <param name="ConfidentMask">Which samples passed the threshold: shape (B), bool.</param>
/// <param name="ConfidentCount">How many samples passed the threshold, 0 to B.</param>
/// <param name="PseudoLabels">argmax of the weak logits for every sample, shape (B), int64; only the entries where
/// <see cref="ConfidentMask"/> is true are used as targets.</param>
public sealed record SelfLabelLossResult(Tensor Loss, Tensor ConfidentMask, int ConfidentCount, Tensor PseudoLabels) : IDisposable
{
    /// <summary>Disposes <see cref="Loss"/>, <see cref="ConfidentMask"/> and <see cref="PseudoLabels"/>.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        ConfidentMask.Dispose();
        PseudoLabels.Dispose();
    }
}
