using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>
/// Serves image batches to the trainers. A dataset whose float pixels fit in <see cref="DefaultResidentBytes"/> is
/// read once and kept as one tensor on the training device (Fashion-MNIST's 70k images are 220 MB), so every step
/// is an index_select; a larger one is read from the dataset batch by batch. Either way every image is checked for
/// NaN and infinite pixels as it is read (one reduction over memory already in cache), so a bad dataset stops the
/// stage with a message naming the image instead of a diverged loss.
/// </summary>
internal sealed class BatchSource : IDisposable
{
    /// <summary>1 GiB: the largest dataset held resident.</summary>
    public const long DefaultResidentBytes = 1L << 30;

    private readonly IImageDataset _dataset;
    private readonly Device _device;
    private readonly Tensor? _resident;

    public BatchSource(IImageDataset dataset, Device device, long residentBytes = DefaultResidentBytes)
    {
        // The trainers' first tensors come from here: tune the allocator before them (see NativeAllocator).
        Runtime.NativeAllocator.Tune();
        _dataset = dataset;
        _device = device;
        long bytes = 4L * dataset.Count * dataset.Channels * dataset.Height * dataset.Width;
        if (bytes <= residentBytes)
            _resident = ReadAll(dataset, device);
    }

    public int Count => _dataset.Count;

    /// <summary>The images at <paramref name="indices"/> (int64, CPU) as (B, C, H, W) on the device.</summary>
    public Tensor Get(Tensor indices)
    {
        if (_resident is not null)
            return _resident.index_select(0, indices.to(_device));
        long[] idx = indices.data<long>().ToArray();
        int[] ints = Array.ConvertAll(idx, i => (int)i);
        using var batch = _dataset.GetBatch(ints);
        ThrowIfNotFinite(batch, row => ints[row]);
        return batch.to(_device);
    }

    /// <summary>Reads the images [start, start + count) in order.</summary>
    public Tensor Range(int start, int count)
    {
        if (_resident is not null)
            return _resident.narrow(0, start, count);
        int[] ints = Enumerable.Range(start, count).ToArray();
        using var batch = _dataset.GetBatch(ints);
        ThrowIfNotFinite(batch, row => start + (int)row);
        return batch.to(_device);
    }

    public void Dispose() => _resident?.Dispose();

    private static Tensor ReadAll(IImageDataset dataset, Device device)
    {
        const int chunk = 4096;
        var all = empty(new long[] { dataset.Count, dataset.Channels, dataset.Height, dataset.Width }, device: device);
        for (int start = 0; start < dataset.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(chunk, dataset.Count - start);
            var batch = dataset.GetBatch(Enumerable.Range(start, n).ToArray());
            try
            {
                ThrowIfNotFinite(batch, row => start + (int)row);
            }
            catch
            {
                all.Dispose();
                throw;
            }
            all.narrow(0, start, n).copy_(batch);
        }
        return all;
    }

    /// <exception cref="ArgumentException">The batch holds a NaN or infinite pixel; the message names the image.</exception>
    private static void ThrowIfNotFinite(Tensor batch, Func<long, int> imageOfRow)
    {
        if (NonFinite.FirstRow(batch) is { } bad)
        {
            throw new ArgumentException(
                $"Image {imageOfRow(bad.Row)} of the dataset has a {NonFinite.Describe(bad.Value)} pixel; " +
                "pixels must be finite (values in [0, 1]).", "dataset");
        }
    }
}
