using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>Validation and L2 normalisation of the feature rows before cosine search.</summary>
internal static class FeatureNormalization
{
    /// <summary>
    /// Returns the rows of <paramref name="features"/> scaled to unit L2 norm, float32 on <paramref name="device"/>,
    /// a new tensor the caller owns. The norm is taken in float64 so that neither tiny nor huge float32 values under-
    /// or overflow, and the division is rounded once, to float32.
    /// </summary>
    /// <exception cref="ArgumentException">Not a 2-D floating-point tensor with at least one column, or a value is
    /// NaN or infinite, or a row is all zeros (its direction, hence its cosine, is undefined).</exception>
    public static Tensor ToUnitRows(Tensor features, Device device, string paramName)
    {
        ArgumentNullException.ThrowIfNull(features, paramName);
        if (features.dim() != 2 || features.shape[1] < 1)
            throw new ArgumentException(
                $"Expected features of shape (N, D) with D >= 1, got shape ({string.Join(", ", features.shape)}).", paramName);
        Training.TensorArguments.RequireValues(features, paramName);
        if (!is_floating_point(features))
            throw new ArgumentException($"Expected floating-point features, got dtype {features.dtype}.", paramName);

        long n = features.shape[0], d = features.shape[1];
        var unit = empty(new long[] { n, d }, ScalarType.Float32, device);
        try
        {
            // Chunks of rows bound the float64 temporaries to a few MB whatever N is.
            long rows = Math.Max(1, ChunkElements / d);
            for (long start = 0; start < n; start += rows)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(rows, n - start);
                var wide = features.narrow(0, start, length).to(ScalarType.Float64, device);
                ThrowIfNotFinite(wide, start, paramName);
                var norms = wide.norm(1, keepdim: true);
                ThrowIfZero(norms, start, paramName);
                unit.narrow(0, start, length).copy_(wide.div_(norms));
            }

            return unit;
        }
        catch
        {
            unit.Dispose();
            throw;
        }
    }

    /// <summary>Float64 elements per chunk: 8 MB.</summary>
    private const long ChunkElements = 1 << 20;

    private static void ThrowIfNotFinite(Tensor chunk, long firstRow, string paramName)
    {
        var nonFinite = chunk.isfinite().logical_not();
        if (!nonFinite.any().item<bool>())
            return;
        var at = nonFinite.nonzero()[0].cpu().data<long>().ToArray();
        double value = chunk[at[0], at[1]].item<double>();
        string shown = double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
        throw new ArgumentException($"Features must be finite, but features[{firstRow + at[0]}, {at[1]}] is {shown}.", paramName);
    }

    private static void ThrowIfZero(Tensor norms, long firstRow, string paramName)
    {
        var zero = norms.eq(0);
        if (!zero.any().item<bool>())
            return;
        long row = firstRow + zero.nonzero()[0, 0].item<long>();
        throw new ArgumentException(
            $"Row {row} of the features is all zeros: its cosine similarity to anything is undefined.", paramName);
    }
}
