using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// The pixel store of the file-backed loaders (<see cref="IdxDataset"/>, <see cref="CifarDataset"/>,
/// <see cref="Stl10Dataset"/>, <see cref="ImageFolderDataset"/>), each of which holds one and forwards
/// <see cref="IImageDataset"/> to it: pixels stay 8-bit until a batch is read; raw files are read as batches need them,
/// compressed or decoded images are kept as one compact byte array, and conversion to float happens per batch in
/// <see cref="GetBatch"/>, straight from the stored bytes into the batch tensor. Reading batches is thread-safe;
/// dispose the store (its dataset does) to release mapped files.
/// </summary>
internal sealed class ByteImageDataset : IImageDataset, IDisposable
{
    private readonly PixelSource _pixels;
    private readonly object _owner;
    private readonly bool _columnMajor;
    private bool _disposed;

    /// <param name="owner">The public dataset that holds this store: the object a read after disposal names.</param>
    /// <param name="pixels">The images, each C·H·W bytes; owned (disposed with the dataset).</param>
    /// <param name="channels">C, 1 or 3.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="labels">One label per image, already validated, or null.</param>
    /// <param name="classNames">Names indexed by label, or null.</param>
    /// <param name="columnMajor">Each channel is stored column by column (STL-10) and is transposed when read.</param>
    internal ByteImageDataset(object owner, PixelSource pixels, int channels, int height, int width, int[]? labels,
        IReadOnlyList<string>? classNames, bool columnMajor = false)
    {
        if (pixels.ImageBytes != channels * height * width)
            throw new ArgumentException($"The pixel source has {pixels.ImageBytes}-byte images; expected {channels}x{height}x{width}.", nameof(pixels));
        _owner = owner;
        _pixels = pixels;
        _columnMajor = columnMajor;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels is null ? null : Array.AsReadOnly(labels);
        ClassNames = classNames is null ? null : Array.AsReadOnly(classNames.ToArray());
    }

    /// <inheritdoc />
    public int Count => _pixels.Count;

    /// <summary>Copies image <paramref name="index"/>'s stored C·H·W bytes, without TorchSharp (for tests and the
    /// reliability host, whose memory is measured without libtorch loaded).</summary>
    internal void CopyStoredBytes(int index, Span<byte> destination) => _pixels.CopyImage(index, destination);

    /// <inheritdoc />
    public int Channels { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public IReadOnlyList<int>? Labels { get; }

    /// <inheritdoc />
    public IReadOnlyList<string>? ClassNames { get; }

    /// <inheritdoc />
    /// <remarks>Values are <c>byte / 255f</c>, bit-identical to torchvision's ToTensor. Safe to call from several
    /// threads at once.</remarks>
    /// <exception cref="ArgumentException">The batch would exceed 2 GiB of floats; read it in smaller batches.</exception>
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public Tensor GetBatch(ReadOnlySpan<int> indices)
    {
        CheckBatch(indices, bytesPerPixel: sizeof(float));
        int imageBytes = _pixels.ImageBytes;
        var batch = empty(new long[] { indices.Length, Channels, Height, Width }, ScalarType.Float32); // shape: (N, C, H, W)
        if (indices.Length == 0)
            return batch;
        try
        {
            var target = MemoryMarshal.Cast<byte, float>(batch.bytes);
            var scratch = new byte[imageBytes];
            for (int i = 0; i < indices.Length; i++)
            {
                var image = _pixels.ReadImage(indices[i], scratch);
                PixelConversion.ToUnitFloat(image, target.Slice(i * imageBytes, imageBytes), Channels, Height, Width, _columnMajor);
            }
        }
        catch
        {
            batch.Dispose();
            throw;
        }

        return batch;
    }

    /// <summary>
    /// Reads the images at <paramref name="indices"/> as stored: one uint8 tensor of shape (N, C, H, W) with values
    /// 0..255, on the CPU. The caller owns (disposes) the tensor. Safe to call from several threads at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is negative or not below <see cref="Count"/>.</exception>
    /// <exception cref="ArgumentException">The batch would exceed 2 GiB; read it in smaller batches.</exception>
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public Tensor GetBytes(ReadOnlySpan<int> indices)
    {
        CheckBatch(indices, bytesPerPixel: 1);
        int imageBytes = _pixels.ImageBytes;
        var batch = empty(new long[] { indices.Length, Channels, Height, Width }, ScalarType.Byte); // shape: (N, C, H, W)
        if (indices.Length == 0)
            return batch;
        try
        {
            var target = batch.bytes;
            var scratch = new byte[imageBytes];
            for (int i = 0; i < indices.Length; i++)
            {
                var image = _pixels.ReadImage(indices[i], scratch);
                PixelConversion.CopyBytes(image, target.Slice(i * imageBytes, imageBytes), Channels, Height, Width, _columnMajor);
            }
        }
        catch
        {
            batch.Dispose();
            throw;
        }

        return batch;
    }

    private void CheckBatch(ReadOnlySpan<int> indices, int bytesPerPixel)
    {
        ObjectDisposedException.ThrowIf(_disposed, _owner);
        DatasetChecks.CheckIndices(indices, Count);
        long bytes = (long)indices.Length * _pixels.ImageBytes * bytesPerPixel;
        if (bytes > int.MaxValue)
            throw new ArgumentException(
                $"A batch of {indices.Length} images of {Channels}x{Height}x{Width} needs {bytes} bytes, over 2 GiB; read at most {int.MaxValue / ((long)_pixels.ImageBytes * bytesPerPixel)} images at once.",
                nameof(indices));
    }

    /// <summary>Releases mapped files. Batches read earlier stay valid (they are copies).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _pixels.Dispose();
    }

    /// <summary>Checks labels read from a file against the class count; the message names the file.</summary>
    internal static void CheckFileLabels(ReadOnlySpan<int> labels, int classCount, string path, string format)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new InvalidDataException(
                    $"'{path}' gives image {i} the label {labels[i]}; expected 0 to {classCount - 1} for {format}.");
        }
    }
}

/// <summary>A dataset whose images are read from a <see cref="ByteImageDataset"/> store: lets
/// <see cref="ImageDatasetExtensions.ReadAll"/> copy stored bytes without a round trip through floats.</summary>
internal interface IByteImageDataset
{
    /// <summary>The store the dataset reads from.</summary>
    ByteImageDataset Store { get; }
}
