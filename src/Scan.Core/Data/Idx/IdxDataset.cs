using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// Grayscale images in the IDX format of MNIST, Fashion-MNIST, KMNIST and others: shape (N, 1, rows, columns).
/// Raw files are read as batches need them (a file truncated meanwhile fails the read with an IOException naming it); .gz files are decompressed once into a compact byte array (one byte per pixel).
/// </summary>
/// <example>
/// <code>
/// using var mnist = IdxDataset.Open("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
/// using var batch = mnist.GetBatch(new[] { 0, 1, 2 }); // shape: (3, 1, 28, 28)
/// </code>
/// </example>
public sealed class IdxDataset : IImageDataset, IDisposable, IByteImageDataset
{
    private IdxDataset(PixelSource pixels, int height, int width, int[]? labels, IReadOnlyList<string>? classNames)
    {
        Store = new ByteImageDataset(this, pixels, 1, height, width, labels, classNames);
    }

    /// <summary>The 8-bit pixel store every read goes to.</summary>
    internal ByteImageDataset Store { get; }

    ByteImageDataset IByteImageDataset.Store => Store;

    /// <inheritdoc />
    public int Count => Store.Count;

    /// <inheritdoc />
    public int Channels => Store.Channels;

    /// <inheritdoc />
    public int Height => Store.Height;

    /// <inheritdoc />
    public int Width => Store.Width;

    /// <inheritdoc />
    public IReadOnlyList<int>? Labels => Store.Labels;

    /// <inheritdoc />
    public IReadOnlyList<string>? ClassNames => Store.ClassNames;

    /// <inheritdoc />
    /// <remarks>Values are <c>byte / 255f</c>, bit-identical to torchvision's ToTensor, converted straight from the
    /// stored bytes into the batch tensor. Safe to call from several threads at once.</remarks>
    /// <exception cref="ArgumentException">The batch would exceed 2 GiB of floats; read it in smaller batches.</exception>
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public Tensor GetBatch(ReadOnlySpan<int> indices) => Store.GetBatch(indices);

    /// <summary>
    /// Reads the images at <paramref name="indices"/> as stored: one uint8 tensor of shape (N, C, H, W) with values
    /// 0..255, on the CPU. The caller owns (disposes) the tensor. Safe to call from several threads at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is negative or not below <see cref="Count"/>.</exception>
    /// <exception cref="ArgumentException">The batch would exceed 2 GiB; read it in smaller batches.</exception>
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public Tensor GetBytes(ReadOnlySpan<int> indices) => Store.GetBytes(indices);

    /// <summary>Releases mapped files. Batches read earlier stay valid (they are copies).</summary>
    public void Dispose() => Store.Dispose();

    /// <summary>Opens one images file and, optionally, its labels file.</summary>
    /// <param name="imagesPath">IDX images file (magic 0x00000803), raw or gzip-compressed.</param>
    /// <param name="labelsPath">IDX labels file (magic 0x00000801), raw or gzip-compressed, or null.</param>
    /// <param name="classNames">Names indexed by label, or null; when given, every label must be below its count.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file has the wrong magic number, is truncated or too long, is not valid
    /// gzip, has a different number of labels than images, or has a label without a class name; the message names the
    /// file and what was expected.</exception>
    public static IdxDataset Open(string imagesPath, string? labelsPath = null, IReadOnlyList<string>? classNames = null) =>
        Open(new[] { new IdxFilePair(imagesPath, labelsPath) }, classNames);

    /// <summary>Opens several image files (with their labels) as one dataset, in order, e.g. a train and a test split.</summary>
    /// <param name="parts">At least one pair; all with labels or all without.</param>
    /// <param name="classNames">Names indexed by label, or null; when given, every label must be below its count.</param>
    /// <exception cref="ArgumentException"><paramref name="parts"/> is empty, or some parts have labels and others not.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">As for the single-file overload, or the parts' images differ in size.</exception>
    internal static IdxDataset Open(IReadOnlyList<IdxFilePair> parts, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
            throw new ArgumentException("Expected at least one IDX images file.", nameof(parts));
        int labelled = parts.Count(p => p.LabelsPath is not null);
        if (labelled != 0 && labelled != parts.Count)
            throw new ArgumentException($"{labelled} of {parts.Count} parts have a labels file; expected all or none.", nameof(parts));
        (_, string[]? names) = DatasetChecks.CopyLabels(null, classNames, 0);

        var sources = new List<PixelSource>();
        var labels = labelled == 0 ? null : new List<int>();
        int height = 0, width = 0;
        try
        {
            foreach (var part in parts)
            {
                var source = IdxReader.OpenImages(part.ImagesPath, out int h, out int w);
                sources.Add(source);
                if (sources.Count == 1)
                    (height, width) = (h, w);
                else if ((h, w) != (height, width))
                    throw new InvalidDataException(
                        $"'{part.ImagesPath}' holds {h}x{w} images but '{parts[0].ImagesPath}' holds {height}x{width}; expected one image size across all parts.");

                if (part.LabelsPath is { } labelsPath)
                {
                    var partLabels = IdxReader.ReadLabels(labelsPath);
                    if (partLabels.Length != source.Count)
                        throw new InvalidDataException(
                            $"'{labelsPath}' holds {partLabels.Length} labels but '{part.ImagesPath}' holds {source.Count} images; expected one label per image.");
                    if (names is not null)
                        ByteImageDataset.CheckFileLabels(partLabels, names.Length, labelsPath, $"{names.Length} class names");
                    labels!.AddRange(partLabels);
                }
            }

            return new IdxDataset(ConcatPixelSource.Of(sources), height, width, labels?.ToArray(), names);
        }
        catch
        {
            foreach (var source in sources)
                source.Dispose();
            throw;
        }
    }
}
