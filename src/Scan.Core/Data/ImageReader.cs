using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>What a read is for; it decides whether the allocator is tuned (see <see cref="Runtime.NativeAllocator"/>).</summary>
internal enum ReadPurpose
{
    /// <summary>A training run or a trainer: the allocator is tuned.</summary>
    Training,

    /// <summary>Inference, possibly inside a host: tuned only when the environment asks (<c>SCAN_NATIVE_ALLOCATOR=tuned</c>).</summary>
    Inference,
}

/// <summary>One chunk of a pass: the images at positions [<paramref name="Start"/>, <paramref name="Start"/> +
/// <paramref name="Count"/>) of the pass (dataset indices for a whole-dataset pass), as (Count, C, H, W). The tensor
/// lives in the chunk's dispose scope: it and every tensor made from it are disposed when the pass moves on, unless
/// moved out (<c>MoveToOuterDisposeScope</c>) or copied into a tensor made before the pass.</summary>
internal readonly record struct ImageChunk(int Start, int Count, Tensor Images);

/// <summary>
/// The one way the library reads images: every full pass (normalisation statistics, embedding for mining,
/// prediction, the heads' evaluation and feature cache, the trainers' resident copy) and every random training batch
/// goes through it. It is the one place that checks pixels for NaN and infinity (one reduction over a batch already
/// in cache; the message names the image and the chunk it was read with), the one place that tunes the C library's
/// allocator before the first tensor, and it gives each chunk its own dispose scope so a pass's memory stays flat.
/// Pixels come as the source holds them (the datasets' float32 in [0, 1]); normalisation is the caller's, since
/// prediction and embedding normalise differently (the model's statistics, an augmentation).
/// </summary>
internal sealed class ImageReader
{
    private readonly IImageDataset? _dataset;
    private readonly Tensor? _images;
    private readonly bool _checked;
    private readonly string _name;

    private ImageReader(IImageDataset? dataset, Tensor? images, bool alreadyChecked, string name, ReadPurpose purpose)
    {
        Prepare(purpose);
        _dataset = dataset;
        _images = images;
        _checked = alreadyChecked;
        _name = name;
    }

    /// <summary>
    /// The one place the library tunes the C library's allocator (see <see cref="Runtime.NativeAllocator"/>), before
    /// the first tensor of a run, a trainer or a prediction: training tunes it; inference, which may run inside a host,
    /// leaves it alone unless the environment asks. Every reader calls it; a run calls it before anything is read.
    /// Returns whether the tuning is in effect.
    /// </summary>
    public static bool Prepare(ReadPurpose purpose) =>
        purpose == ReadPurpose.Training ? Runtime.NativeAllocator.Tune() : Runtime.NativeAllocator.TuneForInference();

    /// <summary>Reads <paramref name="dataset"/>, checking every batch read.</summary>
    public static ImageReader Of(IImageDataset dataset, ReadPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new ImageReader(dataset, null, alreadyChecked: false, "dataset", purpose);
    }

    /// <summary>Reads the rows of <paramref name="images"/> (N, C, H, W) as views (no copy); each chunk is checked
    /// unless <paramref name="alreadyChecked"/> (a copy this reader filled).</summary>
    /// <param name="images">The images; the reader does not own them.</param>
    /// <param name="purpose">What the read is for.</param>
    /// <param name="name">The argument the messages name (the caller's parameter).</param>
    /// <param name="alreadyChecked">Every pixel was checked when the tensor was filled.</param>
    public static ImageReader Of(Tensor images, ReadPurpose purpose, string name = "images", bool alreadyChecked = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        return new ImageReader(null, images, alreadyChecked, name, purpose);
    }

    public int Count => _dataset?.Count ?? (int)_images!.shape[0];

    /// <summary>The images at <paramref name="indices"/>, checked. The caller owns the tensor.</summary>
    /// <exception cref="ArgumentException">An image holds a NaN or infinite pixel (the message names it).</exception>
    public Tensor Read(ReadOnlySpan<int> indices)
    {
        Tensor batch;
        if (_dataset is not null)
        {
            batch = _dataset.GetBatch(indices);
        }
        else
        {
            using var index = tensor(indices.ToArray(), ScalarType.Int64);
            batch = _images!.index_select(0, index.to(_images.device));
        }
        ThrowIfNotFinite(batch, indices, 0, indices.Length);
        return batch;
    }

    /// <summary>The images [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) in order,
    /// checked (a view of the tensor for a tensor source). The caller owns the tensor.</summary>
    /// <exception cref="ArgumentException">An image holds a NaN or infinite pixel (the message names it).</exception>
    public Tensor Read(int start, int count)
    {
        var batch = _dataset is not null
            ? _dataset.GetBatch(Enumerable.Range(start, count).ToArray())
            : _images!.narrow(0, start, count);
        ThrowIfNotFinite(batch, ReadOnlySpan<int>.Empty, start, count);
        return batch;
    }

    /// <summary>Every image in order, <paramref name="size"/> per chunk (the last one shorter), each in its own
    /// dispose scope; cancellation is checked before each chunk.</summary>
    public IEnumerable<ImageChunk> Chunks(int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Iterate(size, cancellationToken);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order, <paramref name="size"/> per chunk; a chunk's
    /// <see cref="ImageChunk.Start"/> is its position in <paramref name="indices"/>.</summary>
    public IEnumerable<ImageChunk> Chunks(int[] indices, int size, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Iterate(indices, size, cancellationToken);
    }

    private IEnumerable<ImageChunk> Iterate(int size, CancellationToken cancellationToken)
    {
        int n = Count;
        for (int start = 0; start < n; start += size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = Math.Min(size, n - start);
            yield return new ImageChunk(start, count, Read(start, count));
        }
    }

    private IEnumerable<ImageChunk> Iterate(int[] indices, int size, CancellationToken cancellationToken)
    {
        for (int start = 0; start < indices.Length; start += size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = Math.Min(size, indices.Length - start);
            yield return new ImageChunk(start, count, Read(indices.AsSpan(start, count)));
        }
    }

    /// <summary>The one pixel check. <paramref name="indices"/> maps a row to its image; empty for the contiguous
    /// images from <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentException">The batch holds a NaN or infinite pixel; the message names the image.</exception>
    private void ThrowIfNotFinite(Tensor batch, ReadOnlySpan<int> indices, int start, int count)
    {
        if (_checked || NonFinite.FirstRow(batch) is not { } bad)
            return;
        batch.Dispose();
        int image = indices.IsEmpty ? start + (int)bad.Row : indices[(int)bad.Row];
        string chunk = indices.IsEmpty
            ? $"images {start}..{start + count - 1}"
            : $"a batch of {count} image(s), from image {indices[0]} to image {indices[count - 1]}";
        throw new ArgumentException(
            $"Image {image} of the {_name} has a {NonFinite.Describe(bad.Value)} pixel; pixels must be finite " +
            $"(values in [0, 1]). It was read with {chunk}.", _name);
    }
}
