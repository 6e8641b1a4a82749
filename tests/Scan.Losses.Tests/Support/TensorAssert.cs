using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Support;

/// <summary>Element-wise comparison of tensors with reference values.</summary>
internal static class TensorAssert
{
    /// <summary>Values of any floating tensor as float64, in row-major order.</summary>
    public static double[] Values(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }

    /// <summary>
    /// Asserts |actual - expected| ≤ tolerance·max(1, |expected|) for every element: absolute for values below 1
    /// (gradients), relative above (losses of a few nats).
    /// </summary>
    public static void Close(Tensor actual, double[] expected, double tolerance, string what) =>
        Close(Values(actual), expected, tolerance, what);

    public static void Close(double[] actual, double[] expected, double tolerance, string what)
    {
        actual.Length.Should().Be(expected.Length, "{0} must have as many elements as the reference", what);
        int worst = -1;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < actual.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            if (double.IsNaN(excess) || excess > worstExcess)
            {
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                worst = i;
            }
        }
        if (worst >= 0)
            worstExcess.Should().BeLessThanOrEqualTo(0,
                "{0}[{1}] = {2:R} must be within {3} of the reference {4:R}", what, worst, actual[worst], tolerance, expected[worst]);
    }

    public static void Close(Tensor actualScalar, double expected, double tolerance, string what) =>
        Close(actualScalar, new[] { expected }, tolerance, what);

    /// <summary>Asserts every element is finite (no NaN, no ±∞).</summary>
    public static void Finite(Tensor t, string what)
    {
        var values = Values(t);
        values.Should().OnlyContain(v => double.IsFinite(v), "{0} must be finite", what);
    }
}
