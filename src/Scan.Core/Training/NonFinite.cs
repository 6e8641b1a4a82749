using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>Finds NaN and infinite values in tensors the library has materialised anyway (a batch, a parameter).</summary>
internal static class NonFinite
{
    /// <summary>The first non-finite element of <paramref name="values"/> in row-major order: its flat index and
    /// value; null when every element is finite. One reduction when all are finite (the common case).</summary>
    public static (long Index, double Value)? First(Tensor values)
    {
        if (!values.is_floating_point() || values.numel() == 0)
            return null;
        using var scope = NewDisposeScope();
        var bad = values.isfinite().logical_not_();
        if (!bad.any().item<bool>())
            return null;
        long index = bad.flatten().nonzero()[0, 0].item<long>();
        return (index, values.flatten()[index].to(ScalarType.Float64).item<double>());
    }

    /// <summary>The first image (0-based row of a (B, ...) batch) holding a non-finite value, and that value.</summary>
    public static (long Row, double Value)? FirstRow(Tensor batch)
    {
        if (First(batch) is not { } found)
            return null;
        long perRow = batch.shape[0] == 0 ? 1 : batch.numel() / batch.shape[0];
        return (found.Index / perRow, found.Value);
    }

    /// <summary>"NaN", "+infinity" or "-infinity", for messages.</summary>
    public static string Describe(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}
