using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// Images already in memory: a tensor of shape (N, C, H, W) (float in [0, 1], or uint8 0..255), or 8-bit pixels in
/// byte arrays. The dataset keeps its own copy, so later changes to the caller's tensor or arrays do not show.
/// </summary>
/// <example>
/// <code>
/// using var images = torch.rand(100, 3, 32, 32);
/// using var dataset = new InMemoryImageDataset(images);
/// </code>
/// </example>
public sealed class InMemoryImageDataset : IImageDataset, IDisposable
{
    private readonly Tensor _images; // shape: (N, C, H, W), float32 or uint8, contiguous, CPU

    /// <summary>Wraps a copy of <paramref name="images"/>.</summary>
    /// <param name="images">Shape (N, C, H, W) with C of 1 or 3; a floating-point type with values in [0, 1], or uint8.</param>
    /// <param name="labels">One label per image, none negative, or null.</param>
    /// <param name="classNames">Names indexed by label, or null; when given, every label must be below its count.</param>
    /// <exception cref="ArgumentException">The shape, type or values do not fit, or the labels do not match the images.</exception>
    public InMemoryImageDataset(Tensor images, IReadOnlyList<int>? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException($"Expected images of shape (N, C, H, W) with C of 1 or 3, got {DatasetChecks.Shape(images.shape)}.", nameof(images));
        if (images.shape[0] > int.MaxValue)
            throw new ArgumentException($"Got {images.shape[0]} images; at most {int.MaxValue} are supported.", nameof(images));

        Training.TensorArguments.RequireValues(images, nameof(images));
        using var scope = NewDisposeScope();
        var copy = images.detach().cpu();
        if (copy.is_floating_point())
        {
            copy = copy.to_type(ScalarType.Float32);
            if (copy.numel() > 0 && !(copy.isfinite().all().item<bool>() && copy.min().item<float>() >= 0f && copy.max().item<float>() <= 1f))
                throw new ArgumentException(
                    $"Expected float pixel values in [0, 1]; got values from {copy.min().item<float>()} to {copy.max().item<float>()} (or NaN).", nameof(images));
        }
        else if (copy.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"Expected a floating-point or uint8 tensor, got dtype {copy.dtype}.", nameof(images));
        }

        (int[]? checkedLabels, string[]? names) = DatasetChecks.CopyLabels(labels, classNames, (int)images.shape[0]);
        _images = copy.clone().contiguous().DetachFromDisposeScope();
        Labels = checkedLabels is null ? null : Array.AsReadOnly(checkedLabels);
        ClassNames = names is null ? null : Array.AsReadOnly(names);
    }

    /// <summary>Images from one array of 8-bit pixels, image after image, each laid out (C, H, W).</summary>
    /// <param name="pixels">N·C·H·W bytes; N is inferred.</param>
    /// <param name="channels">C, 1 or 3.</param>
    /// <param name="height">H, at least 1.</param>
    /// <param name="width">W, at least 1.</param>
    /// <param name="labels">One label per image, none negative, or null.</param>
    /// <param name="classNames">Names indexed by label, or null.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of images, or the labels do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public static InMemoryImageDataset FromBytes(byte[] pixels, int channels, int height, int width,
        IReadOnlyList<int>? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        int imageBytes = ImageBytes(channels, height, width);
        if (pixels.Length % imageBytes != 0)
            throw new ArgumentException(
                $"Got {pixels.Length} bytes, not a whole number of {channels}x{height}x{width} images ({imageBytes} bytes each).", nameof(pixels));
        using var tensor = torch.tensor(pixels, new long[] { pixels.Length / imageBytes, channels, height, width });
        return new InMemoryImageDataset(tensor, labels, classNames);
    }

    /// <summary>Images from one byte array per image, each laid out (C, H, W).</summary>
    /// <param name="images">One array of C·H·W bytes per image.</param>
    /// <param name="channels">C, 1 or 3.</param>
    /// <param name="height">H, at least 1.</param>
    /// <param name="width">W, at least 1.</param>
    /// <param name="labels">One label per image, none negative, or null.</param>
    /// <param name="classNames">Names indexed by label, or null.</param>
    /// <exception cref="ArgumentException">An array has the wrong length, or the labels do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public static InMemoryImageDataset FromImages(IReadOnlyList<byte[]> images, int channels, int height, int width,
        IReadOnlyList<int>? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        int imageBytes = ImageBytes(channels, height, width);
        var pixels = new byte[checked(images.Count * imageBytes)];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i]?.Length != imageBytes)
                throw new ArgumentException(
                    $"images[{i}] holds {images[i]?.Length.ToString() ?? "null"} bytes; expected {imageBytes} for {channels}x{height}x{width}.", nameof(images));
            images[i].CopyTo(pixels, i * imageBytes);
        }

        return FromBytes(pixels, channels, height, width, labels, classNames);
    }

    /// <inheritdoc />
    public int Count => (int)_images.shape[0];

    /// <inheritdoc />
    public int Channels => (int)_images.shape[1];

    /// <inheritdoc />
    public int Height => (int)_images.shape[2];

    /// <inheritdoc />
    public int Width => (int)_images.shape[3];

    /// <inheritdoc />
    public IReadOnlyList<int>? Labels { get; }

    /// <inheritdoc />
    public IReadOnlyList<string>? ClassNames { get; }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public Tensor GetBatch(ReadOnlySpan<int> indices)
    {
        ObjectDisposedException.ThrowIf(_images.IsInvalid, this);
        DatasetChecks.CheckIndices(indices, Count);
        using var scope = NewDisposeScope();
        var positions = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            positions[i] = indices[i];
        var batch = _images.index_select(0, torch.tensor(positions)); // shape: (N, C, H, W)
        batch = batch.dtype == ScalarType.Byte ? batch.to_type(ScalarType.Float32).div_(255f) : batch;
        return batch.MoveToOuterDisposeScope();
    }

    /// <summary>Releases the stored images.</summary>
    public void Dispose() => _images.Dispose();

    private static int ImageBytes(int channels, int height, int width)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Expected 1 (grayscale) or 3 (RGB) channels.");
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return checked(channels * height * width);
    }
}
