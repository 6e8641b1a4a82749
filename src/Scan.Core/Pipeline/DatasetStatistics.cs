using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Pipeline;

/// <summary>Per-channel mean and standard deviation of a dataset, for normalisation when none is configured.</summary>
internal static class DatasetStatistics
{
    /// <summary>Over at most <paramref name="maxImages"/> images spread evenly across the dataset. Part of a training
    /// run (the pipeline's, the fitter's), so the read tunes the allocator.</summary>
    /// <exception cref="ArgumentException">The dataset is empty, or an image read holds a NaN or infinite pixel (the message names it).</exception>
    public static (float[] Mean, float[] Std) MeanStd(IImageDataset dataset, int maxImages = 10_000) =>
        MeanStd(ImageReader.Of(dataset, ReadPurpose.Training), dataset.Channels, dataset.Height, dataset.Width, maxImages);

    private static (float[] Mean, float[] Std) MeanStd(ImageReader reader, int channels, int height, int width, int maxImages)
    {
        using var scope = NewDisposeScope();
        int count = reader.Count;
        int n = Math.Min(count, maxImages);
        if (n < 1)
            throw new ArgumentException("The dataset has no images to measure the normalisation on.", "dataset");
        int[] indices = Enumerable.Range(0, n).Select(i => (int)((long)i * count / n)).ToArray();
        var sum = zeros(channels, dtype: float64);
        var squares = zeros(channels, dtype: float64);
        // Every pixel read is finite (the reader checks), so are the sums and the statistics.
        foreach (var chunk in reader.Chunks(indices, 1024))
        {
            var batch = chunk.Images.to(float64);
            sum.add_(batch.sum(new long[] { 0, 2, 3 }));
            squares.add_(batch.square().sum(new long[] { 0, 2, 3 }));
        }
        double pixels = (double)n * height * width;
        var mean = sum / pixels;
        var std = (squares / pixels - mean.square()).clamp_min(1e-12).sqrt();
        return (mean.to(float32).data<float>().ToArray(), std.to(float32).data<float>().ToArray());
    }
}
