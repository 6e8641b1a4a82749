using CsCheck;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Reliability;

/// <summary>
/// Property-based tests (CsCheck) of the losses on generated valid inputs: B and C from 1 to 24 and 16, float32 and
/// float64, logits from 0 to ±1e4. Every value and gradient is finite, and the documented bounds hold: SCAN
/// consistency ≥ 0, entropies in [0, ln C], Total = Consistency - λ·Entropy, NT-Xent and the self-labelling
/// cross-entropy ≥ 0. Bounds are checked to a tolerance that grows with the logits' magnitude (float rounding).
/// A failure prints the CsCheck seed that replays it.
/// </summary>
public sealed class LossValuePropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void Scan_loss_is_finite_with_consistency_non_negative_and_entropy_within_log_C()
    {
        Gen.Select(LogitPair.Gen(minRows: 1), Gen.Double[0, 10]).Sample((pair, lambda) =>
        {
            using var scope = NewDisposeScope();
            var anchor = pair.FirstTensor(requiresGrad: true);
            var neighbor = pair.SecondTensor(requiresGrad: true);

            var result = new ScanLoss(lambda).Compute(anchor, neighbor);
            result.Total.backward();

            double total = result.Total.ToDouble(), consistency = result.Consistency.ToDouble(), entropy = result.Entropy.ToDouble();
            new[] { total, consistency, entropy }.Should().OnlyContain(v => double.IsFinite(v));
            consistency.Should().BeGreaterThanOrEqualTo(-pair.LogitTolerance);
            entropy.Should().BeInRange(-pair.Tolerance, Math.Log(pair.Columns) + pair.Tolerance);
            total.Should().BeApproximately(consistency - lambda * entropy, pair.LogitTolerance * (1 + lambda));
            AllFinite(anchor.grad!).Should().BeTrue("d total / d anchor");
            AllFinite(neighbor.grad!).Should().BeTrue("d total / d neighbour");
        }, iter: LossPropertyCounts.ValidCasesPerProperty, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void NT_Xent_is_finite_and_non_negative()
    {
        Gen.Select(LogitPair.Gen(minRows: 2), Gen.Double[0.05, 2]).Sample((pair, temperature) =>
        {
            using var scope = NewDisposeScope();
            var view1 = pair.FirstTensor(requiresGrad: true);
            var view2 = pair.SecondTensor(requiresGrad: true);
            using var loss = new NTXentLoss(temperature);

            var value = loss.forward(view1, view2);
            value.backward();

            value.ToDouble().Should().BeGreaterThanOrEqualTo(-pair.LogitTolerance).And.Match(v => double.IsFinite(v));
            AllFinite(view1.grad!).Should().BeTrue();
            AllFinite(view2.grad!).Should().BeTrue();
        }, iter: LossPropertyCounts.ValidCasesPerProperty, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void Self_labelling_cross_entropy_is_finite_non_negative_and_counts_its_confident_samples()
    {
        Gen.Select(LogitPair.Gen(minRows: 1), Gen.Double[0, 0.999], Gen.Bool).Sample((pair, threshold, balance) =>
        {
            using var scope = NewDisposeScope();
            var weak = pair.FirstTensor();
            var strong = pair.SecondTensor(requiresGrad: true);

            var result = new ConfidenceCrossEntropyLoss(threshold, balance).Compute(weak, strong);
            result.Loss.backward();

            result.Loss.ToDouble().Should().BeGreaterThanOrEqualTo(-pair.LogitTolerance).And.Match(v => double.IsFinite(v));
            result.ConfidentCount.Should().BeInRange(0, pair.Rows);
            result.ConfidentMask.sum().ToInt64().Should().Be(result.ConfidentCount);
            AllFinite(strong.grad!).Should().BeTrue();
        }, iter: LossPropertyCounts.ValidCasesPerProperty, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void Entropies_lie_between_zero_and_log_C()
    {
        LogitPair.Gen(minRows: 1).Sample(pair =>
        {
            using var scope = NewDisposeScope();
            var logits = pair.FirstTensor();
            double upper = Math.Log(pair.Columns) + pair.Tolerance, lower = -pair.Tolerance;

            Entropy.Of(logits, inputIsLogits: true).ToDouble().Should().BeInRange(lower, upper, "mean entropy from logits");
            Entropy.Of(nn.functional.softmax(logits, 1)).ToDouble().Should().BeInRange(lower, upper, "mean entropy from probabilities");
            Entropy.Of(nn.functional.softmax(logits[0], 0)).ToDouble().Should().BeInRange(lower, upper, "entropy of one distribution");
            Entropy.OfBatchMean(logits).ToDouble().Should().BeInRange(lower, upper, "entropy of the batch mean");
        }, iter: LossPropertyCounts.ValidCasesPerProperty, threads: 1, writeLine: output.WriteLine);
    }

    private static bool AllFinite(Tensor t) => t.isfinite().all().ToBoolean();
}
