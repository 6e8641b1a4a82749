using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

public class EntropyTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(100)]
    public void Uniform_distribution_has_entropy_log_C_in_nats(int classes)
    {
        // -Σ (1/C)·ln(1/C) = ln C.
        using var scope = NewDisposeScope();

        Entropy.Of(full(classes, 1.0 / classes, dtype: float64)).item<double>().Should().BeApproximately(Math.Log(classes), 1e-14);
        Entropy.Of(zeros(classes, dtype: float64), inputIsLogits: true).item<double>().Should().BeApproximately(Math.Log(classes), 1e-14);
    }

    [Fact]
    public void One_hot_distribution_has_zero_entropy_and_a_finite_gradient()
    {
        // 1·ln 1 + 0·ln 0 = 0 with the convention 0·ln 0 = 0. The gradient -(ln p + 1) is -1 at p = 1 and, with
        // the log's argument clamped at the smallest normal float64 (2.2e-308), -ln(2.2e-308) ≈ 708.4 at p = 0.
        using var scope = NewDisposeScope();
        var p = tensor(new double[] { 1, 0, 0 }, requires_grad: true);

        var h = Entropy.Of(p);
        h.backward();

        h.item<double>().Should().Be(0.0);
        TensorAssert.Close(p.grad!, new[] { -1, -Math.Log(2.2250738585072014e-308), -Math.Log(2.2250738585072014e-308) }, 1e-12, "dH/dp");
    }

    [Fact]
    public void A_batch_gives_the_mean_of_the_per_row_entropies()
    {
        // Rows (1/2, 1/2) and (1, 0): (ln 2 + 0) / 2. Not the entropy of the mean row (3/4, 1/4).
        using var scope = NewDisposeScope();
        var p = tensor(new double[] { 0.5, 0.5, 1, 0 }, new long[] { 2, 2 });

        Entropy.Of(p).item<double>().Should().BeApproximately(Math.Log(2) / 2, 1e-15);
    }

    [Fact]
    public void From_logits_equals_from_their_softmax()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(41);
        var logits = randn(new long[] { 5, 7 }, dtype: float64, generator: generator) * 3;

        var fromLogits = Entropy.Of(logits, inputIsLogits: true).item<double>();
        var fromProbabilities = Entropy.Of(nn.functional.softmax(logits, 1)).item<double>();

        fromLogits.Should().BeApproximately(fromProbabilities, 1e-14);
    }

    [Fact]
    public void Of_the_batch_mean_is_the_entropy_of_the_mean_softmax()
    {
        // softmax(ln 3, 0) = (3/4, 1/4) and softmax(0, ln 3) = (1/4, 3/4): mean (1/2, 1/2), entropy ln 2, while
        // the mean per-row entropy would be H(3/4, 1/4) = ln 4 - (3/4) ln 3.
        using var scope = NewDisposeScope();
        double ln3 = Math.Log(3);
        var logits = tensor(new[] { ln3, 0, 0, ln3 }, new long[] { 2, 2 });

        Entropy.OfBatchMean(logits).item<double>().Should().BeApproximately(Math.Log(2), 1e-15);
        Entropy.Of(logits, inputIsLogits: true).item<double>().Should().BeApproximately(Math.Log(4) - 0.75 * ln3, 1e-15);
    }

    [Fact]
    public void Of_the_batch_mean_is_unchanged_by_permuting_the_batch()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42);
        var logits = randn(new long[] { 16, 5 }, dtype: float64, generator: generator) * 2;
        var permutation = randperm(16, generator: generator);

        Entropy.OfBatchMean(logits[permutation]).item<double>()
            .Should().BeApproximately(Entropy.OfBatchMean(logits).item<double>(), 1e-14);
    }

    [Fact]
    public void Logits_of_ten_thousand_give_finite_entropies_and_gradients()
    {
        // Row 1 is exactly one-hot in float32, row 2 splits evenly between two classes: mean entropy ln 2 / 2.
        // Batch mean (1/2, 1/4, 1/4): entropy (1/2) ln 2 + (1/2) ln 4 = 1.5 ln 2.
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 1e4f, -1e4f, -1e4f, -1e4f, 1e4f, 1e4f }, new long[] { 2, 3 }, requires_grad: true);

        var perRow = Entropy.Of(logits, inputIsLogits: true);
        var ofMean = Entropy.OfBatchMean(logits);
        (perRow + ofMean).backward();

        perRow.item<float>().Should().BeApproximately((float)(Math.Log(2) / 2), 1e-6f);
        ofMean.item<float>().Should().BeApproximately((float)(1.5 * Math.Log(2)), 1e-6f);
        TensorAssert.Finite(logits.grad!, "dH/dlogits");
    }

    [Fact]
    public void Probabilities_that_underflow_give_a_finite_float32_gradient()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.5f, 0.5f, 0f, 1e-40f }, requires_grad: true);

        var h = Entropy.Of(p);
        h.backward();

        h.item<float>().Should().BeApproximately((float)Math.Log(2), 1e-6f);
        TensorAssert.Finite(p.grad!, "dH/dp");
    }

    [Fact]
    public void Rejects_a_tensor_of_rank_three()
    {
        using var scope = NewDisposeScope();

        var act = () => Entropy.Of(ones(2, 3, 4));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "probabilities" && e.Message.Contains("(C) or (B, C)") && e.Message.Contains("[2, 3, 4]"));
    }

    [Fact]
    public void Rejects_an_empty_tensor()
    {
        using var scope = NewDisposeScope();

        var act = () => Entropy.Of(ones(0, 3));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "probabilities" && e.Message.Contains("must not be empty") && e.Message.Contains("[0, 3]"));
    }

    [Fact]
    public void Rejects_integer_probabilities()
    {
        using var scope = NewDisposeScope();

        var act = () => Entropy.Of(ones(3, dtype: int32));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "probabilities" && e.Message.Contains("floating-point"));
    }

    [Fact]
    public void Rejects_null()
    {
        var act = () => Entropy.Of(null!);

        act.Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "probabilities");
    }

    [Fact]
    public void Of_the_batch_mean_rejects_a_vector()
    {
        using var scope = NewDisposeScope();

        var act = () => Entropy.OfBatchMean(ones(3));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "logits" && e.Message.Contains("(B, C)") && e.Message.Contains("rank 1"));
    }
}
