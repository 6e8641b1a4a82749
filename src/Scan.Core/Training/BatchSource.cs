using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>
/// Serves image batches to the trainers. A dataset whose float pixels fit in <see cref="DefaultResidentBytes"/> is
/// read once and kept as one tensor on the training device (Fashion-MNIST's 70k images are 220 MB), so every step
/// is an index_select; a larger one is read from the dataset batch by batch. Either way the images come through
/// <see cref="ImageReader"/>, which checks every image for NaN and infinite pixels as it is read, so a bad dataset
/// stops the stage with a message naming the image instead of a diverged loss.
/// </summary>
internal sealed class BatchSource : IDisposable
{
    /// <summary>1 GiB: the largest dataset held resident.</summary>
    public const long DefaultResidentBytes = 1L << 30;

    /// <summary>Images per chunk when the resident copy is filled.</summary>
    private const int ReadChunk = 4096;

    private readonly ImageReader _reader;
    private readonly Device _device;
    private readonly Tensor? _resident;
    private readonly ImageReader? _residentReader;

    public BatchSource(IImageDataset dataset, Device device, long residentBytes = DefaultResidentBytes)
    {
        // The trainers' first tensors come from here: the reader tunes the allocator before them.
        _reader = ImageReader.Of(dataset, ReadPurpose.Training);
        _device = device;
        long bytes = 4L * dataset.Count * dataset.Channels * dataset.Height * dataset.Width;
        if (bytes <= residentBytes)
        {
            _resident = ReadAll(_reader, dataset, device);
            _residentReader = ImageReader.Of(_resident, ReadPurpose.Training, "dataset", alreadyChecked: true);
        }
    }

    public int Count => _reader.Count;

    /// <summary>The images at <paramref name="indices"/> (int64, CPU) as (B, C, H, W) on the device.</summary>
    public Tensor Get(Tensor indices)
    {
        if (_resident is not null)
            return _resident.index_select(0, indices.to(_device));
        long[] idx = indices.data<long>().ToArray();
        int[] ints = Array.ConvertAll(idx, i => (int)i);
        using var batch = _reader.Read(ints);
        return batch.to(_device);
    }

    /// <summary>Every image in order, <paramref name="size"/> per chunk, on the device (views of the resident copy
    /// when there is one), each chunk in its own dispose scope: the full passes the trainers make.</summary>
    public IEnumerable<ImageChunk> Chunks(int size, CancellationToken cancellationToken) =>
        _residentReader is not null
            ? _residentReader.Chunks(size, cancellationToken)
            : _reader.Chunks(size, cancellationToken).Select(c => c with { Images = c.Images.to(_device) });

    public void Dispose() => _resident?.Dispose();

    private static Tensor ReadAll(ImageReader reader, IImageDataset dataset, Device device)
    {
        var all = empty(new long[] { dataset.Count, dataset.Channels, dataset.Height, dataset.Width }, device: device);
        try
        {
            foreach (var chunk in reader.Chunks(ReadChunk))
                all.narrow(0, chunk.Start, chunk.Count).copy_(chunk.Images);
        }
        catch
        {
            all.Dispose();
            throw;
        }
        return all;
    }
}
