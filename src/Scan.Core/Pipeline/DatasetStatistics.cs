using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline;

/// <summary>Per-channel mean and standard deviation of a dataset, for normalisation when none is configured.</summary>
internal static class DatasetStatistics
{
    /// <summary>Over at most <paramref name="maxImages"/> images spread evenly across the dataset.</summary>
    public static (float[] Mean, float[] Std) MeanStd(IImageDataset dataset, int maxImages = 10_000)
    {
        using var scope = NewDisposeScope();
        int n = Math.Min(dataset.Count, maxImages);
        int[] indices = Enumerable.Range(0, n).Select(i => (int)((long)i * dataset.Count / n)).ToArray();
        var sum = zeros(dataset.Channels, dtype: float64);
        var squares = zeros(dataset.Channels, dtype: float64);
        const int chunk = 1024;
        for (int start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            var batch = dataset.GetBatch(indices.AsSpan(start, Math.Min(chunk, n - start))).to(float64);
            sum.add_(batch.sum(new long[] { 0, 2, 3 }));
            squares.add_(batch.square().sum(new long[] { 0, 2, 3 }));
        }
        double count = (double)n * dataset.Height * dataset.Width;
        var mean = sum / count;
        var std = (squares / count - mean.square()).clamp_min(1e-12).sqrt();
        if (!std.isfinite().all().item<bool>() || !mean.isfinite().all().item<bool>())
            throw new ArgumentException("The dataset contains NaN or infinite pixels.", nameof(dataset));
        return (mean.to(float32).data<float>().ToArray(), std.to(float32).data<float>().ToArray());
    }
}
