using CsCheck;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Reliability;

/// <summary>
/// A pair of logit (or projection) matrices described by numbers only, so CsCheck can print and shrink it; the
/// tensors are made inside each test, in its dispose scope.
/// </summary>
/// <param name="Rows">B.</param>
/// <param name="Columns">C (clusters) or D (projection size).</param>
/// <param name="Double">float64 instead of float32.</param>
/// <param name="Scale">Multiplies values drawn in [-1, 1]: from ordinary logits up to ±1e4.</param>
/// <param name="First">B·C values in [-1, 1], row-major.</param>
/// <param name="Second">B·C values in [-1, 1], row-major.</param>
public sealed record LogitPair(int Rows, int Columns, bool Double, double Scale, double[] First, double[] Second)
{
    public Tensor FirstTensor(bool requiresGrad = false) => Make(First, requiresGrad);

    public Tensor SecondTensor(bool requiresGrad = false) => Make(Second, requiresGrad);

    /// <summary>Absolute tolerance of a bound on a value computed from log-probabilities (entropies): a few ulps of
    /// ln C, whatever the logits.</summary>
    public double Tolerance => Double ? 1e-12 : 1e-5;

    /// <summary>Absolute tolerance of a bound on a value computed from the logits themselves (log-softmax of ±1e4
    /// loses up to 1e4 · 2^-24 in float32): grows with their magnitude.</summary>
    public double LogitTolerance => Tolerance * Math.Max(1, Scale);

    // requires_grad is set after the dtype conversion, so the tensor is a leaf whose .grad autograd fills.
    private Tensor Make(double[] values, bool requiresGrad) =>
        tensor(values.Select(v => v * Scale).ToArray(), new long[] { Rows, Columns }, Double ? ScalarType.Float64 : ScalarType.Float32)
            .requires_grad_(requiresGrad);

    public override string ToString() => $"({Rows}, {Columns}) {(Double ? "float64" : "float32")} x {Scale}";

    /// <summary>Pairs with at least <paramref name="minRows"/> rows.</summary>
    public static Gen<LogitPair> Gen(int minRows) =>
        from rows in CsCheck.Gen.Int[minRows, 24]
        from columns in CsCheck.Gen.Int[1, 16]
        from isDouble in CsCheck.Gen.Bool
        from scale in CsCheck.Gen.OneOfConst(0.0, 0.1, 1.0, 10.0, 100.0, 1e4)
        from first in CsCheck.Gen.Double[-1, 1].Array[rows * columns]
        from second in CsCheck.Gen.Double[-1, 1].Array[rows * columns]
        select new LogitPair(rows, columns, isDouble, scale, first, second);
}
