using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Support;

/// <summary>Numerical gradients by central differences, in float64.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// ∂f/∂x_i ≈ (f(x + h·e_i) - f(x - h·e_i)) / 2h for every element of <paramref name="x"/>. With h = 1e-6 the
    /// truncation error is O(h²·f''') ≈ 1e-12 and the rounding error about 1e-16·|f| / h ≈ 1e-10 for losses of a few
    /// nats, so agreement with autograd to 1e-7 is a sharp test.
    /// </summary>
    public static double[] Gradient(Func<Tensor, Tensor> f, double[] x, long[] shape, double h = 1e-6)
    {
        var gradient = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            probe[i] = x[i] + h;
            double up = Evaluate(f, probe, shape);
            probe[i] = x[i] - h;
            double down = Evaluate(f, probe, shape);
            probe[i] = x[i];
            gradient[i] = (up - down) / (2 * h);
        }
        return gradient;
    }

    /// <summary>Autograd's gradient of the scalar f at x.</summary>
    public static double[] Autograd(Func<Tensor, Tensor> f, double[] x, long[] shape)
    {
        using var scope = NewDisposeScope();
        var leaf = tensor(x, shape, requires_grad: true);
        f(leaf).backward();
        return TensorAssert.Values(leaf.grad!);
    }

    private static double Evaluate(Func<Tensor, Tensor> f, double[] x, long[] shape)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
            return f(tensor(x, shape)).item<double>();
    }
}
