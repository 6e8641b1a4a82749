using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

/// <summary>Autograd gradients of every loss against central finite differences in float64 (see
/// <see cref="FiniteDifferences"/> for the step and the tolerance).</summary>
public class FiniteDifferenceGradientTests
{
    private const double Tolerance = 1e-7;

    [Fact]
    public void NTXent_gradient_of_each_view()
    {
        using var loss = new NTXentLoss(0.3);
        var (view1, view2, shape) = RandomPair(4, 3, seed: 51, scale: 1);

        CheckGradient(v => loss.forward(v, tensor(view2, shape)), view1, shape, "d NT-Xent / d view1");
        CheckGradient(v => loss.forward(tensor(view1, shape), v), view2, shape, "d NT-Xent / d view2");
    }

    [Fact]
    public void NTXent_gradient_of_stacked_views()
    {
        using var loss = new NTXentLoss(0.5);
        var (views, _, _) = RandomPair(3 * 2, 4, seed: 52, scale: 1);

        CheckGradient(v => loss.forward(v), views, new long[] { 3, 2, 4 }, "d NT-Xent / d views");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    [InlineData(5.0)]
    public void ScanLoss_gradient_of_anchors_and_neighbours(double lambda)
    {
        var loss = new ScanLoss(lambda);
        var (anchor, neighbor, shape) = RandomPair(5, 4, seed: 53, scale: 2);

        CheckGradient(a => loss.Compute(a, tensor(neighbor, shape)).Total, anchor, shape, "d SCAN / d anchor");
        CheckGradient(n => loss.Compute(tensor(anchor, shape), n).Total, neighbor, shape, "d SCAN / d neighbor");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConfidenceCrossEntropy_gradient_of_strong_logits(bool classBalance)
    {
        var loss = new ConfidenceCrossEntropyLoss(0.9, classBalance);
        // Weak logits with margins of 8 on rows 0, 1, 3, 4 (labels 0, 2, 0, 1; p ≈ 0.999 > 0.9), none on row 2.
        double[] weak = { 8, 0, 0, 0, 0, 8, 0.5, 0, 0, 8, 0, 0, 0, 8, 0 };
        var shape = new long[] { 5, 3 };
        var (strong, _, _) = RandomPair(5, 3, seed: 54, scale: 2);

        CheckGradient(s => loss.Compute(tensor(weak, shape), s).Loss, strong, shape, "d CE / d strong");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Entropy_gradient(bool inputIsLogits)
    {
        var (logits, _, shape) = RandomPair(3, 4, seed: 55, scale: 1);
        double[] input = inputIsLogits ? logits : Softmax(logits, shape);

        CheckGradient(x => Entropy.Of(x, inputIsLogits), input, shape, "dH / d input");
    }

    [Fact]
    public void Batch_mean_entropy_gradient()
    {
        var (logits, _, shape) = RandomPair(6, 3, seed: 56, scale: 2);

        CheckGradient(Entropy.OfBatchMean, logits, shape, "dH(p̄) / d logits");
    }

    private static void CheckGradient(Func<Tensor, Tensor> f, double[] x, long[] shape, string what)
    {
        var numeric = FiniteDifferences.Gradient(f, x, shape);
        var analytic = FiniteDifferences.Autograd(f, x, shape);
        numeric.Should().Contain(g => Math.Abs(g) > 1e-3, "a gradient check needs a non-trivial gradient");
        TensorAssert.Close(analytic, numeric, Tolerance, what);
    }

    private static (double[] First, double[] Second, long[] Shape) RandomPair(long rows, long columns, int seed, double scale)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var shape = new long[] { rows, columns };
        var first = TensorAssert.Values(randn(shape, dtype: float64, generator: generator) * scale);
        var second = TensorAssert.Values(randn(shape, dtype: float64, generator: generator) * scale);
        return (first, second, shape);
    }

    private static double[] Softmax(double[] logits, long[] shape)
    {
        using var scope = NewDisposeScope();
        return TensorAssert.Values(nn.functional.softmax(tensor(logits, shape), 1));
    }
}
