using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>Helpers every <see cref="IImageDataset"/> gets: subset views and reading all images at once.</summary>
public static class ImageDatasetExtensions
{
    /// <summary>A view of the images at <paramref name="indices"/>, in that order (indices may repeat): reads go to
    /// <paramref name="dataset"/>, the view owns nothing and is valid as long as the dataset is; labels are taken
    /// along.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public static IImageDataset Subset(this IImageDataset dataset, IReadOnlyList<int> indices) => new ImageDatasetSubset(dataset, indices);

    /// <summary>
    /// Reads every image into one tensor of shape (Count, C, H, W), batch by batch so that only one batch of floats is
    /// alive besides the result: float32 in [0, 1], or uint8 0..255 (a quarter of the memory; exact for 8-bit sources).
    /// The caller owns (disposes) the tensor.
    /// </summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="dtype"><see cref="ScalarType.Float32"/> (default) or <see cref="ScalarType.Byte"/>.</param>
    /// <param name="batchSize">Images read per batch; at least 1.</param>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is neither float32 nor uint8.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public static Tensor ReadAll(this IImageDataset dataset, ScalarType dtype = ScalarType.Float32, int batchSize = 1024)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dtype is not (ScalarType.Float32 or ScalarType.Byte))
            throw new ArgumentException($"Expected dtype Float32 or Byte, got {dtype}.", nameof(dtype));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        var result = empty(new long[] { dataset.Count, dataset.Channels, dataset.Height, dataset.Width }, dtype);
        var indices = new int[Math.Min(batchSize, dataset.Count)];
        for (int start = 0; start < dataset.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int length = Math.Min(batchSize, dataset.Count - start);
            for (int i = 0; i < length; i++)
                indices[i] = start + i;
            var slice = indices.AsSpan(0, length);
            Tensor batch = (dataset, dtype) switch
            {
                (IByteImageDataset stored, ScalarType.Byte) => stored.Store.GetBytes(slice),
                (_, ScalarType.Byte) => dataset.GetBatch(slice).mul_(255f).round_().to_type(ScalarType.Byte),
                _ => dataset.GetBatch(slice),
            };
            result.narrow(0, start, length).copy_(batch);
        }

        return result;
    }
}
