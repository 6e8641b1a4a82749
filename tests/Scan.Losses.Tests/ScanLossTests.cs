using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

public class ScanLossTests
{
    private static readonly double Ln3 = Math.Log(3);

    /// <summary>Anchors [[ln 3, 0], [0, ln 3]] and neighbours [[ln 3, 0], [ln 3, 0]], see the derivation below.</summary>
    private static (Tensor Anchor, Tensor Neighbor) TwoByTwo(bool requiresGrad = false) => (
        tensor(new[] { Ln3, 0, 0, Ln3 }, new long[] { 2, 2 }, requires_grad: requiresGrad),
        tensor(new[] { Ln3, 0, Ln3, 0 }, new long[] { 2, 2 }, requires_grad: requiresGrad));

    [Fact]
    public void Hand_derived_parts_and_total()
    {
        // p_1 = softmax(ln 3, 0) = (3/4, 1/4), p_2 = (1/4, 3/4); q_1 = q_2 = (3/4, 1/4).
        // ⟨p_1, q_1⟩ = 9/16 + 1/16 = 5/8, ⟨p_2, q_2⟩ = 3/16 + 3/16 = 3/8,
        // Consistency = -(ln 5/8 + ln 3/8) / 2 = (ln 64 - ln 15) / 2.
        // p̄ = (1/2, 1/2), Entropy = ln 2; with λ = 2, Total = Consistency - 2 ln 2.
        using var scope = NewDisposeScope();
        var (anchor, neighbor) = TwoByTwo();

        var result = new ScanLoss(entropyWeight: 2.0).Compute(anchor, neighbor);

        double consistency = (Math.Log(64) - Math.Log(15)) / 2;
        result.Consistency.item<double>().Should().BeApproximately(consistency, 1e-14);
        result.Entropy.item<double>().Should().BeApproximately(Math.Log(2), 1e-14);
        result.Total.item<double>().Should().BeApproximately(consistency - 2 * Math.Log(2), 1e-14);
    }

    [Fact]
    public void Hand_derived_gradient_with_respect_to_the_anchors()
    {
        // d(-log⟨p, q⟩)/da = -(p⊙q / ⟨p, q⟩ - p), divided by B = 2 for the mean.
        // Row 1: p⊙q/⟨p,q⟩ = (9/16, 1/16) / (5/8) = (0.9, 0.1); minus p_1 = (0.15, -0.15); → (-0.075, 0.075).
        // Row 2: (3/16, 3/16) / (3/8) = (0.5, 0.5); minus p_2 = (0.25, -0.25); → (-0.125, 0.125).
        // The entropy term adds nothing: at p̄ uniform, dH/dp̄ = -(log p̄ + 1) is the same for every class, and the
        // softmax Jacobian maps a constant vector to 0.
        using var scope = NewDisposeScope();
        var (anchor, neighbor) = TwoByTwo(requiresGrad: true);

        new ScanLoss(entropyWeight: 2.0).Compute(anchor, neighbor).Total.backward();

        TensorAssert.Close(anchor.grad!, new[] { -0.075, 0.075, -0.125, 0.125 }, 1e-14, "d total / d anchor");
    }

    [Fact]
    public void Uniform_predictions_give_log_two_consistency_and_log_two_entropy()
    {
        // p = q = (1/2, 1/2): ⟨p, q⟩ = 1/2, Consistency = ln 2; p̄ uniform, Entropy = ln 2; Total = (1 - λ) ln 2.
        using var scope = NewDisposeScope();
        var logits = zeros(3, 2, dtype: float64);

        var result = new ScanLoss(entropyWeight: 5.0).Compute(logits, logits);

        result.Consistency.item<double>().Should().BeApproximately(Math.Log(2), 1e-14);
        result.Entropy.item<double>().Should().BeApproximately(Math.Log(2), 1e-14);
        result.Total.item<double>().Should().BeApproximately(-4 * Math.Log(2), 1e-14);
    }

    [Fact]
    public void Default_entropy_weight_is_the_authors_config_value()
    {
        new ScanLoss().EntropyWeight.Should().Be(5.0);
    }

    [Fact]
    public void Permuting_the_batch_leaves_all_parts_unchanged()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(21);
        var anchor = randn(new long[] { 12, 5 }, dtype: float64, generator: generator) * 3;
        var neighbor = randn(new long[] { 12, 5 }, dtype: float64, generator: generator) * 3;
        var permutation = randperm(12, generator: generator);
        var loss = new ScanLoss(2.0);

        var original = loss.Compute(anchor, neighbor);
        var permuted = loss.Compute(anchor[permutation], neighbor[permutation]);

        permuted.Total.item<double>().Should().BeApproximately(original.Total.item<double>(), 1e-12);
        permuted.Consistency.item<double>().Should().BeApproximately(original.Consistency.item<double>(), 1e-12);
        permuted.Entropy.item<double>().Should().BeApproximately(original.Entropy.item<double>(), 1e-12);
    }

    [Fact]
    public void Confident_agreeing_balanced_predictions_reach_the_lower_bound()
    {
        // Consistency ≥ 0 and Entropy ≤ ln C, so Total ≥ -λ ln C. Logits 30·one-hot, cluster b mod 4 for image b:
        // ⟨p, q⟩ = 1 - O(e^-30), p̄ uniform: Total = -λ ln 4 up to ~1e-12.
        using var scope = NewDisposeScope();
        var logits = BalancedOneHot(batch: 8, clusters: 4, scale: 30);

        var result = new ScanLoss(5.0).Compute(logits, logits);

        result.Consistency.item<double>().Should().BeApproximately(0, 1e-11);
        result.Entropy.item<double>().Should().BeApproximately(Math.Log(4), 1e-11);
        result.Total.item<double>().Should().BeApproximately(-5 * Math.Log(4), 1e-11);
    }

    [Fact]
    public void Random_predictions_stay_above_the_lower_bound_reached_by_balanced_ones()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(22);
        var loss = new ScanLoss(5.0);
        double best = loss.Compute(BalancedOneHot(8, 4, 30), BalancedOneHot(8, 4, 30)).Total.item<double>();

        for (int trial = 0; trial < 20; trial++)
        {
            var anchor = randn(new long[] { 8, 4 }, dtype: float64, generator: generator) * 4;
            var neighbor = randn(new long[] { 8, 4 }, dtype: float64, generator: generator) * 4;
            loss.Compute(anchor, neighbor).Total.item<double>().Should().BeGreaterThan(best);
        }
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(5.0)]
    public void Collapsing_into_one_cluster_raises_the_loss_by_lambda_log_C(double lambda)
    {
        // All images confidently in cluster 0: Consistency ≈ 0 as before, but p̄ = e_0 has Entropy ≈ 0, so Total
        // rises from -λ ln 4 to ≈ 0.
        using var scope = NewDisposeScope();
        var collapsed = zeros(8, 4, dtype: float64);
        collapsed[.., 0] = tensor(30.0);
        var loss = new ScanLoss(lambda);

        var balancedTotal = loss.Compute(BalancedOneHot(8, 4, 30), BalancedOneHot(8, 4, 30)).Total.item<double>();
        var collapsedResult = loss.Compute(collapsed, collapsed);

        collapsedResult.Entropy.item<double>().Should().BeApproximately(0, 1e-10);
        collapsedResult.Total.item<double>().Should().BeApproximately(balancedTotal + lambda * Math.Log(4), 1e-10);
    }

    [Fact]
    public void Without_the_entropy_term_collapse_is_as_good_as_balance()
    {
        // λ = 0 leaves only consistency, which a single cluster satisfies: why the entropy term exists.
        using var scope = NewDisposeScope();
        var collapsed = zeros(8, 4, dtype: float64);
        collapsed[.., 0] = tensor(30.0);
        var loss = new ScanLoss(0.0);

        var balanced = loss.Compute(BalancedOneHot(8, 4, 30), BalancedOneHot(8, 4, 30)).Total.item<double>();

        loss.Compute(collapsed, collapsed).Total.item<double>().Should().BeApproximately(balanced, 1e-11);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 2e-3, 1e-3)]
    [InlineData(ScalarType.Float64, 1e-10, 1e-10)]
    public void Strong_disagreement_at_logits_of_ten_thousand_is_exact_and_finite(ScalarType dtype, double valueTolerance, double gradientTolerance)
    {
        // log_softmax(1e4, -1e4) = (0, -2e4) and of (-1e4, 1e4) = (-2e4, 0): log⟨p, q⟩ = logsumexp(-2e4, -2e4)
        // = -2e4 + ln 2, although p⊙q underflows to 0 in any floating type. Tolerances: in float32 one ulp at 2e4
        // is 2e-3, and the gradient goes through exp(x - logsumexp) with that rounding in the exponent (≈ 1e-4).
        using var scope = NewDisposeScope();
        var anchor = tensor(new[] { 1e4, -1e4, -1e4, 1e4 }, new long[] { 2, 2 }).to_type(dtype).requires_grad_(true);
        var neighbor = tensor(new[] { -1e4, 1e4, 1e4, -1e4 }, new long[] { 2, 2 }).to_type(dtype).requires_grad_(true);

        var result = new ScanLoss(5.0).Compute(anchor, neighbor);
        result.Total.backward();

        TensorAssert.Close(result.Consistency, 2e4 - Math.Log(2), valueTolerance / 2e4, "consistency");
        TensorAssert.Close(result.Entropy, Math.Log(2), valueTolerance, "entropy");
        // The gradient is not lost to underflow (a clamped log would give 0 here): d(-log⟨p, q⟩)/da =
        // -(softmax(log p + log q) - p) / B = -((1/2, 1/2) - (1, 0)) / 2 = (1/4, -1/4) for row 1, mirrored for row 2;
        // the entropy term adds nothing at p̄ = (1/2, 1/2). Descent moves each anchor towards its neighbour's cluster.
        TensorAssert.Close(anchor.grad!, new[] { 0.25, -0.25, -0.25, 0.25 }, gradientTolerance, "d total / d anchor");
        TensorAssert.Close(neighbor.grad!, new[] { -0.25, 0.25, 0.25, -0.25 }, gradientTolerance, "d total / d neighbor");
    }

    [Fact]
    public void Exact_one_hot_agreement_at_logits_of_ten_thousand_is_finite()
    {
        // softmax is exactly one-hot in float32, so ⟨p, q⟩ = 1 and Consistency = 0; p̄ = (1/2, 1/2, 0) has an empty
        // third cluster, whose probability underflows to exactly 0 and must not produce log 0 or a NaN gradient.
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1e4f, -1e4f, 0, -1e4f, 1e4f, 0 }, new long[] { 2, 3 });
        var anchor = logits.clone().requires_grad_(true);
        var neighbor = logits.clone().requires_grad_(true);

        var result = new ScanLoss(5.0).Compute(anchor, neighbor);
        result.Total.backward();

        result.Consistency.item<float>().Should().Be(0f);
        result.Entropy.item<float>().Should().BeApproximately((float)Math.Log(2), 1e-6f);
        TensorAssert.Finite(anchor.grad!, "d total / d anchor");
        TensorAssert.Finite(neighbor.grad!, "d total / d neighbor");
    }

    [Fact]
    public void Several_heads_give_one_result_per_head_equal_to_computing_each_alone()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(23);
        var heads = new List<(Tensor Anchor, Tensor Neighbor)>
        {
            (randn(new long[] { 6, 3 }, dtype: float64, generator: generator), randn(new long[] { 6, 3 }, dtype: float64, generator: generator)),
            (randn(new long[] { 6, 10 }, dtype: float64, generator: generator), randn(new long[] { 6, 10 }, dtype: float64, generator: generator)),
        };
        var loss = new ScanLoss(2.0);

        var results = loss.Compute(heads);

        results.Should().HaveCount(2);
        for (int h = 0; h < heads.Count; h++)
            results[h].Total.item<double>().Should().Be(loss.Compute(heads[h].Anchor, heads[h].Neighbor).Total.item<double>());
    }

    [Fact]
    public void Is_deterministic()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(24);
        var anchor = randn(new long[] { 512, 10 }, generator: generator);
        var neighbor = randn(new long[] { 512, 10 }, generator: generator);
        var loss = new ScanLoss();

        var first = loss.Compute(anchor, neighbor).Total.item<float>();
        var second = loss.Compute(anchor, neighbor).Total.item<float>();

        BitConverter.SingleToInt32Bits(second).Should().Be(BitConverter.SingleToInt32Bits(first));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rejects_an_entropy_weight_that_is_negative_or_not_finite(double lambda)
    {
        var act = () => new ScanLoss(lambda);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "entropyWeight" && e.Message.Contains("must be a finite number ≥ 0"));
    }

    [Fact]
    public void Rejects_logits_that_are_not_matrices()
    {
        using var scope = NewDisposeScope();

        var act = () => new ScanLoss().Compute(zeros(10), zeros(10));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "anchorLogits" && e.Message.Contains("(B, C)") && e.Message.Contains("rank 1"));
    }

    [Fact]
    public void Rejects_an_empty_batch()
    {
        using var scope = NewDisposeScope();

        var act = () => new ScanLoss().Compute(zeros(0, 10), zeros(0, 10));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "anchorLogits" && e.Message.Contains("at least 1 row(s)") && e.Message.Contains("[0, 10]"));
    }

    [Fact]
    public void Rejects_logits_without_clusters()
    {
        using var scope = NewDisposeScope();

        var act = () => new ScanLoss().Compute(zeros(4, 0), zeros(4, 0));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "anchorLogits" && e.Message.Contains("at least 1 column(s)"));
    }

    [Fact]
    public void Rejects_anchors_and_neighbours_of_different_shapes()
    {
        using var scope = NewDisposeScope();

        var act = () => new ScanLoss().Compute(zeros(4, 10), zeros(5, 10));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "neighborLogits" && e.Message.Contains("same shape") && e.Message.Contains("[4, 10] and [5, 10]"));
    }

    [Fact]
    public void Rejects_integer_logits()
    {
        using var scope = NewDisposeScope();

        var act = () => new ScanLoss().Compute(zeros(4, 10), zeros(4, 10, dtype: int32));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "neighborLogits" && e.Message.Contains("floating-point") && e.Message.Contains("Int32"));
    }

    [Fact]
    public void Rejects_null_logits()
    {
        var act = () => new ScanLoss().Compute(null!, zeros(4, 10));

        act.Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "anchorLogits");
    }

    [Fact]
    public void Rejects_an_empty_list_of_heads()
    {
        var act = () => new ScanLoss().Compute(new List<(Tensor, Tensor)>());

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "heads" && e.Message.Contains("at least one"));
    }

    [Fact]
    public void Names_the_invalid_head_before_computing_any()
    {
        using var scope = NewDisposeScope();
        var heads = new List<(Tensor, Tensor)> { (zeros(4, 10), zeros(4, 10)), (zeros(4, 10), zeros(4, 5)) };

        var act = () => new ScanLoss().Compute(heads);

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "heads[1].Neighbor" && e.Message.Contains("heads[1].Anchor and heads[1].Neighbor must have the same shape"));
    }

    /// <summary>scale·one-hot logits, image b in cluster b mod C: every cluster used equally, float64.</summary>
    private static Tensor BalancedOneHot(int batch, int clusters, double scale)
    {
        var logits = new double[batch * clusters];
        for (int b = 0; b < batch; b++)
            logits[b * clusters + b % clusters] = scale;
        return tensor(logits, new long[] { batch, clusters });
    }
}
