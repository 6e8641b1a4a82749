using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

public class ConfidenceCrossEntropyLossTests
{
    private static readonly double Ln3 = Math.Log(3);

    // Four images, two classes, threshold 0.99:
    //   weak   (10, 0):  max p = 1/(1+e^-10) = 0.99995 > 0.99, label 0    strong (0, 0):    CE = -ln(1/2) = ln 2
    //   weak   (0, 10):  0.99995, label 1                                  strong (ln 3, 0): CE = -ln(1/4) = ln 4
    //   weak   (1, 0):   1/(1+e^-1) = 0.731 ≤ 0.99, not used               strong (5, 5):    (ignored)
    //   weak   (10, 0):  0.99995, label 0                                  strong (ln 3, 0): CE = -ln(3/4) = ln 4/3
    private static (Tensor Weak, Tensor Strong) FourImages(bool requiresGrad = false) => (
        tensor(new double[] { 10, 0, 0, 10, 1, 0, 10, 0 }, new long[] { 4, 2 }),
        tensor(new[] { 0, 0, Ln3, 0, 5, 5, Ln3, 0 }, new long[] { 4, 2 }, requires_grad: requiresGrad));

    [Fact]
    public void Hand_derived_mask_labels_and_plain_mean()
    {
        // Plain mean over the 3 confident images: (ln 2 + ln 4 + ln 4/3) / 3 = ln(32/3) / 3.
        using var scope = NewDisposeScope();
        var (weak, strong) = FourImages();

        var result = new ConfidenceCrossEntropyLoss(0.99, classBalance: false).Compute(weak, strong);

        result.ConfidentCount.Should().Be(3);
        result.ConfidentMask.data<bool>().ToArray().Should().Equal(true, true, false, true);
        result.PseudoLabels.data<long>().ToArray().Should().Equal(0L, 1L, 0L, 0L);
        result.Loss.item<double>().Should().BeApproximately(Math.Log(32.0 / 3) / 3, 1e-14);
    }

    [Fact]
    public void Hand_derived_class_balanced_mean()
    {
        // n_0 = 2, n_1 = 1, so w = (1/2, 1): Σ w_y·CE / Σ w_y = (½ ln 2 + ½ ln 4/3 + ln 4) / (½ + ½ + 1)
        // = (½ ln 8/3 + ln 4) / 2: the mean over the two classes of each class's mean cross-entropy.
        using var scope = NewDisposeScope();
        var (weak, strong) = FourImages();

        var result = new ConfidenceCrossEntropyLoss(0.99, classBalance: true).Compute(weak, strong);

        result.Loss.item<double>().Should().BeApproximately((0.5 * Math.Log(8.0 / 3) + Math.Log(4)) / 2, 1e-14);
    }

    [Fact]
    public void Hand_derived_gradient_flows_only_into_confident_strong_logits()
    {
        // Plain mean, N = 3: dCE/ds = softmax(s) - onehot(y), divided by 3.
        //   image 1: (1/2, 1/2) - (1, 0) = (-1/2, 1/2)    → (-1/6, 1/6)
        //   image 2: (3/4, 1/4) - (0, 1) = (3/4, -3/4)    → (1/4, -1/4)
        //   image 3: not confident                        → (0, 0)
        //   image 4: (3/4, 1/4) - (1, 0) = (-1/4, 1/4)    → (-1/12, 1/12)
        using var scope = NewDisposeScope();
        var (weak, strong) = FourImages(requiresGrad: true);
        var weakLeaf = weak.requires_grad_(true);

        new ConfidenceCrossEntropyLoss(0.99, classBalance: false).Compute(weakLeaf, strong).Loss.backward();

        TensorAssert.Close(strong.grad!, new[] { -1.0 / 6, 1.0 / 6, 0.25, -0.25, 0, 0, -1.0 / 12, 1.0 / 12 }, 1e-14, "d loss / d strong");
        weakLeaf.grad.Should().BeNull("the pseudo-labels are targets: no gradient flows into the weak logits");
    }

    [Fact]
    public void Defaults_are_the_authors_settings()
    {
        var loss = new ConfidenceCrossEntropyLoss();

        loss.Threshold.Should().Be(0.99);
        loss.ClassBalance.Should().BeTrue();
    }

    [Fact]
    public void The_threshold_is_a_strict_inequality()
    {
        // Weak logits (ln 3, 0) give max p = 3/4 exactly; a threshold of 0.75 must not pass it, 0.7499 must.
        using var scope = NewDisposeScope();
        var weak = tensor(new[] { Ln3, 0 }, new long[] { 1, 2 });
        var strong = zeros(1, 2, dtype: float64);

        new ConfidenceCrossEntropyLoss(0.75).Compute(weak, strong).ConfidentCount.Should().Be(0);
        new ConfidenceCrossEntropyLoss(0.7499).Compute(weak, strong).ConfidentCount.Should().Be(1);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void No_confident_sample_gives_a_zero_loss_that_keeps_the_graph_valid(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(31);
        var weak = (randn(new long[] { 6, 10 }, generator: generator) * 0.5).to_type(dtype);
        var strong = randn(new long[] { 6, 10 }, generator: generator).to_type(dtype).requires_grad_(true);

        var result = new ConfidenceCrossEntropyLoss(0.99).Compute(weak, strong);
        result.Loss.backward();

        result.ConfidentCount.Should().Be(0);
        result.ConfidentMask.data<bool>().ToArray().Should().OnlyContain(confident => !confident);
        result.Loss.dtype.Should().Be(dtype);
        result.Loss.requires_grad.Should().BeTrue("a trainer calls backward on it unconditionally");
        TensorAssert.Values(result.Loss).Should().Equal(0.0);
        strong.grad.Should().NotBeNull();
        TensorAssert.Values(strong.grad!).Should().OnlyContain(g => g == 0.0);
    }

    [Fact]
    public void No_confident_sample_with_infinite_strong_logits_still_gives_zero_not_NaN()
    {
        // Multiplying the logits by 0 would give 0·∞ = NaN; the empty sum gives an exact 0.
        using var scope = NewDisposeScope();
        var weak = zeros(2, 3);
        var strong = tensor(new[] { float.PositiveInfinity, 0f, 0f, 0f, float.NegativeInfinity, 0f }, new long[] { 2, 3 }, requires_grad: true);

        var result = new ConfidenceCrossEntropyLoss().Compute(weak, strong);
        result.Loss.backward();

        result.Loss.item<float>().Should().Be(0f);
        TensorAssert.Values(strong.grad!).Should().OnlyContain(g => g == 0.0);
    }

    [Fact]
    public void Class_balancing_equals_the_plain_mean_when_every_class_is_equally_frequent()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(32);
        // Images 0..5 confidently labelled 0, 1, 2, 0, 1, 2: two per class.
        var weak = zeros(6, 3, dtype: float64);
        for (int b = 0; b < 6; b++)
            weak[b, b % 3] = tensor(20.0);
        var strong = randn(new long[] { 6, 3 }, dtype: float64, generator: generator);

        var balanced = new ConfidenceCrossEntropyLoss(0.99, true).Compute(weak, strong).Loss.item<double>();
        var plain = new ConfidenceCrossEntropyLoss(0.99, false).Compute(weak, strong).Loss.item<double>();

        balanced.Should().BeApproximately(plain, 1e-14);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Permuting_the_batch_leaves_the_loss_and_count_unchanged(bool classBalance)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(33);
        var weak = randn(new long[] { 20, 4 }, dtype: float64, generator: generator) * 6;
        var strong = randn(new long[] { 20, 4 }, dtype: float64, generator: generator) * 2;
        var permutation = randperm(20, generator: generator);
        var loss = new ConfidenceCrossEntropyLoss(0.9, classBalance);

        var original = loss.Compute(weak, strong);
        var permuted = loss.Compute(weak[permutation], strong[permutation]);

        original.ConfidentCount.Should().BeGreaterThan(0, "the test needs confident samples");
        permuted.ConfidentCount.Should().Be(original.ConfidentCount);
        permuted.Loss.item<double>().Should().BeApproximately(original.Loss.item<double>(), 1e-12);
    }

    [Fact]
    public void Logits_of_ten_thousand_give_a_finite_loss_and_gradient()
    {
        // Weak (1e4, -1e4): softmax exactly (1, 0), label 0. Strong (-1e4, 1e4): CE = -log_softmax_0 = 2e4, finite;
        // gradient softmax(s) - onehot(0) = (-1, 1) divided by N = 2.
        using var scope = NewDisposeScope();
        var weak = tensor(new[] { 1e4f, -1e4f, 1e4f, -1e4f }, new long[] { 2, 2 });
        var strong = tensor(new[] { -1e4f, 1e4f, 1e4f, -1e4f }, new long[] { 2, 2 }, requires_grad: true);

        var result = new ConfidenceCrossEntropyLoss(0.99, classBalance: false).Compute(weak, strong);
        result.Loss.backward();

        result.ConfidentCount.Should().Be(2);
        // Image 1 costs 2e4, image 2 (agreeing) costs 0: mean 1e4.
        result.Loss.item<float>().Should().BeApproximately(1e4f, 1e-2f);
        TensorAssert.Close(strong.grad!, new[] { -0.5, 0.5, 0, 0 }, 1e-6, "d loss / d strong");
    }

    [Fact]
    public void Is_deterministic()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(34);
        var weak = randn(new long[] { 512, 10 }, generator: generator) * 8;
        var strong = randn(new long[] { 512, 10 }, generator: generator);
        var loss = new ConfidenceCrossEntropyLoss();

        var first = loss.Compute(weak, strong).Loss.item<float>();
        var second = loss.Compute(weak, strong).Loss.item<float>();

        BitConverter.SingleToInt32Bits(second).Should().Be(BitConverter.SingleToInt32Bits(first));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Rejects_a_threshold_outside_zero_to_one(double threshold)
    {
        var act = () => new ConfidenceCrossEntropyLoss(threshold);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "threshold" && e.Message.Contains("must be in [0, 1)"));
    }

    [Fact]
    public void Rejects_weak_and_strong_logits_of_different_shapes()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(8, 10), zeros(8, 20));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "strongLogits" && e.Message.Contains("same shape") && e.Message.Contains("[8, 10] and [8, 20]"));
    }

    [Fact]
    public void Rejects_logits_that_are_not_matrices()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(8, 10, 1), zeros(8, 10, 1));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "weakLogits" && e.Message.Contains("(B, C)") && e.Message.Contains("[8, 10, 1]"));
    }

    [Fact]
    public void Rejects_an_empty_batch()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(0, 10), zeros(0, 10));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "weakLogits" && e.Message.Contains("at least 1 row(s)"));
    }

    [Fact]
    public void Rejects_logits_of_different_dtypes()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(8, 10, dtype: float64), zeros(8, 10));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "strongLogits" && e.Message.Contains("same dtype"));
    }

    [Fact]
    public void Rejects_integer_logits()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(8, 10, dtype: int64), zeros(8, 10, dtype: int64));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "weakLogits" && e.Message.Contains("floating-point"));
    }

    [Fact]
    public void Rejects_null_logits()
    {
        using var scope = NewDisposeScope();

        var act = () => new ConfidenceCrossEntropyLoss().Compute(zeros(8, 10), null!);

        act.Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "strongLogits");
    }
}
