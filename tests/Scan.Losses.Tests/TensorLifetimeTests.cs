using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

/// <summary>
/// The losses leave no tensor alive except the ones they return, and disposing a result releases those: a
/// trainer that runs thousands of batches must not accumulate native memory. Counted with TorchSharp's per-thread
/// live-tensor statistics.
/// </summary>
public class TensorLifetimeTests
{
    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void NTXent_leaves_only_its_scalar_alive()
    {
        using var inputs = NewDisposeScope();
        var view1 = randn(16, 8, requires_grad: true);
        var view2 = randn(16, 8, requires_grad: true);
        var views = stack(new[] { view1, view2 }, 1);
        using var loss = new NTXentLoss();
        long before = Live;

        using (var value = loss.forward(view1, view2))
        {
            value.backward();
            Live.Should().Be(before + 1);
        }
        using (var value = loss.forward(views))
            Live.Should().Be(before + 1);

        Live.Should().Be(before);
    }

    [Fact]
    public void ScanLoss_leaves_only_its_result_alive_and_the_result_releases_it()
    {
        using var inputs = NewDisposeScope();
        var anchor = randn(16, 10, requires_grad: true);
        var neighbor = randn(16, 10, requires_grad: true);
        var loss = new ScanLoss();
        long before = Live;

        using (var result = loss.Compute(anchor, neighbor))
        {
            result.Total.backward();
            Live.Should().Be(before + 3);
        }
        Live.Should().Be(before);

        var results = loss.Compute(new List<(Tensor, Tensor)> { (anchor, neighbor), (anchor, neighbor) });
        Live.Should().Be(before + 6);
        foreach (var result in results)
            result.Dispose();
        Live.Should().Be(before);
    }

    [Theory]
    [InlineData(8.0)]   // some samples confident
    [InlineData(0.1)]   // none confident: the zero-loss path
    public void ConfidenceCrossEntropy_leaves_only_its_result_alive_and_the_result_releases_it(double weakScale)
    {
        using var inputs = NewDisposeScope();
        var generator = new Generator(61);
        var weak = randn(new long[] { 32, 10 }, generator: generator) * weakScale;
        var strong = randn(new long[] { 32, 10 }, generator: generator).requires_grad_(true);
        var loss = new ConfidenceCrossEntropyLoss();
        long before = Live;

        using (var result = loss.Compute(weak, strong))
        {
            result.Loss.backward();
            Live.Should().Be(before + 3);
        }

        Live.Should().Be(before);
    }

    [Fact]
    public void Entropy_leaves_only_its_scalar_alive()
    {
        using var inputs = NewDisposeScope();
        var logits = randn(16, 10);
        long before = Live;

        using (Entropy.Of(logits, inputIsLogits: true))
        using (Entropy.Of(logits.softmax(1)))
        using (Entropy.OfBatchMean(logits))
            Live.Should().Be(before + 4, "three results and the softmax argument");

        Live.Should().Be(before + 1, "only the caller's softmax argument is left");
    }

    [Fact]
    public void A_result_can_be_disposed_early_and_again_by_the_enclosing_scope()
    {
        using var inputs = NewDisposeScope();
        var logits = randn(8, 4);
        long before = Live;

        using (NewDisposeScope())
        {
            var result = new ScanLoss().Compute(logits, logits);
            result.Dispose();
            result.Dispose();
        }

        Live.Should().Be(before);
    }
}
