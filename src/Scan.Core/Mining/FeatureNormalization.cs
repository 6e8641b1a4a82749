using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>Validation and L2 normalisation of the feature rows before cosine search.</summary>
internal static class FeatureNormalization
{
    /// <summary>
    /// Returns the rows of <paramref name="features"/> scaled to unit L2 norm, float32 on <paramref name="device"/>.
    /// The norm is taken in float64 so that neither tiny nor huge float32 values under- or overflow.
    /// </summary>
    /// <exception cref="ArgumentException">Not a 2-D floating-point tensor with at least one column, or a value is
    /// NaN or infinite, or a row is all zeros (its direction, hence its cosine, is undefined).</exception>
    public static Tensor ToUnitRows(Tensor features, Device device, string paramName)
    {
        ArgumentNullException.ThrowIfNull(features, paramName);
        if (features.dim() != 2 || features.shape[1] < 1)
            throw new ArgumentException(
                $"Expected features of shape (N, D) with D >= 1, got shape ({string.Join(", ", features.shape)}).", paramName);
        if (!is_floating_point(features))
            throw new ArgumentException($"Expected floating-point features, got dtype {features.dtype}.", paramName);

        using var scope = NewDisposeScope();
        var wide = features.to(ScalarType.Float64, device);
        var nonFinite = wide.isfinite().logical_not();
        if (nonFinite.any().item<bool>())
        {
            var at = nonFinite.nonzero()[0].cpu().data<long>().ToArray();
            double value = wide[at[0], at[1]].item<double>();
            string shown = double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
            throw new ArgumentException(
                $"Features must be finite, but features[{at[0]}, {at[1]}] is {shown}.", paramName);
        }

        var norms = wide.norm(1, keepdim: true);
        var zero = norms.eq(0);
        if (zero.any().item<bool>())
        {
            long row = zero.nonzero()[0, 0].item<long>();
            throw new ArgumentException(
                $"Row {row} of the features is all zeros: its cosine similarity to anything is undefined.", paramName);
        }

        return wide.div_(norms).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
