using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// CIFAR-10 and CIFAR-100 in their binary distributions ("CIFAR-10 binary version", "CIFAR-100 binary version"):
/// 32x32 RGB images, shape (N, 3, 32, 32). Files are read as batches need them, not loaded: each record is its label byte(s)
/// followed by 1,024 red, 1,024 green and 1,024 blue bytes, rows top to bottom.
/// </summary>
/// <example>
/// <code>
/// // The paper's CIFAR-100-20: CIFAR-100 with its 20 superclass labels.
/// using var train = CifarDataset.Open("data/cifar-100-binary", CifarVariant.Cifar100Coarse, CifarSplit.Train);
/// </code>
/// </example>
public sealed class CifarDataset : IImageDataset, IDisposable, IByteImageDataset
{
    private const int ImageBytes = 3 * 32 * 32;

    private CifarDataset(PixelSource pixels, int[] labels, CifarVariant variant)
    {
        Store = new ByteImageDataset(this, pixels, 3, 32, 32, labels, NamesOf(variant));
        Variant = variant;
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

    /// <summary>The format and label set read.</summary>
    public CifarVariant Variant { get; }

    /// <summary>
    /// Opens a split from the folder the binary archive extracts to (cifar-10-batches-bin or cifar-100-binary), or
    /// from a folder that contains that folder.
    /// </summary>
    /// <param name="directory">The folder holding the .bin files, or its parent.</param>
    /// <param name="variant">CIFAR-10, or CIFAR-100 with coarse (20) or fine (100) labels.</param>
    /// <param name="split">Training or test images.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">A .bin file of the split is missing; the message names it.</exception>
    /// <exception cref="InvalidDataException">As for <see cref="OpenFiles"/>.</exception>
    public static CifarDataset Open(string directory, CifarVariant variant, CifarSplit split)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"CIFAR folder '{directory}' not found.");
        string[] names = (variant, split) switch
        {
            (CifarVariant.Cifar10, CifarSplit.Train) => ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
            (CifarVariant.Cifar10, CifarSplit.Test) => ["test_batch.bin"],
            (CifarVariant.Cifar100Coarse or CifarVariant.Cifar100Fine, CifarSplit.Train) => ["train.bin"],
            (CifarVariant.Cifar100Coarse or CifarVariant.Cifar100Fine, CifarSplit.Test) => ["test.bin"],
            _ => throw new ArgumentOutOfRangeException(nameof(split), $"Unknown combination {variant}, {split}."),
        };
        string archiveFolder = Path.Combine(directory, variant == CifarVariant.Cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary");
        string folder = !File.Exists(Path.Combine(directory, names[0])) && Directory.Exists(archiveFolder) ? archiveFolder : directory;
        return OpenFiles(names.Select(n => Path.Combine(folder, n)).ToArray(), variant);
    }

    /// <summary>Opens CIFAR binary files as one dataset, in the order given.</summary>
    /// <param name="files">One or more .bin files of the same variant.</param>
    /// <param name="variant">CIFAR-10 (3,073-byte records), or CIFAR-100 (3,074-byte records) with coarse or fine labels.</param>
    /// <exception cref="ArgumentException"><paramref name="files"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="variant"/> is not defined.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is empty, is not a whole number of records (truncated or another
    /// variant), or holds a label out of range; the message names the file and what was expected.</exception>
    public static CifarDataset OpenFiles(IReadOnlyList<string> files, CifarVariant variant)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
            throw new ArgumentException("Expected at least one CIFAR .bin file.", nameof(files));
        int labelBytes = variant switch
        {
            CifarVariant.Cifar10 => 1,
            CifarVariant.Cifar100Coarse or CifarVariant.Cifar100Fine => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Expected a defined CifarVariant."),
        };
        int labelOffset = variant == CifarVariant.Cifar100Fine ? 1 : 0; // CIFAR-100 records: coarse byte, then fine byte
        int record = labelBytes + ImageBytes, classCount = NamesOf(variant).Length;
        string format = variant switch
        {
            CifarVariant.Cifar10 => "CIFAR-10 (1 label byte + 3,072 pixel bytes)",
            _ => "CIFAR-100 (1 coarse label byte + 1 fine label byte + 3,072 pixel bytes)",
        };

        var sources = new List<PixelSource>();
        var labels = new List<int>();
        try
        {
            foreach (string path in files)
            {
                ArgumentException.ThrowIfNullOrEmpty(path, nameof(files));
                if (!File.Exists(path))
                    throw new FileNotFoundException($"CIFAR file '{path}' not found.", path);
                long length = new FileInfo(path).Length;
                if (length == 0 || length % record != 0)
                    throw new InvalidDataException(
                        $"'{path}' is {length} bytes, not a whole number of {record}-byte {format} records: expected a multiple of {record}; the file is truncated or of another variant.");
                int count = checked((int)(length / record));
                var source = FilePixelSource.Open(path, labelBytes, record, ImageBytes, count);
                sources.Add(source);
                var fileLabels = new int[count];
                for (int i = 0; i < count; i++)
                    fileLabels[i] = source.ReadByte((long)i * record + labelOffset);
                ByteImageDataset.CheckFileLabels(fileLabels, classCount, path, $"{classCount} {variant} classes");
                labels.AddRange(fileLabels);
            }

            return new CifarDataset(ConcatPixelSource.Of(sources), labels.ToArray(), variant);
        }
        catch
        {
            foreach (var source in sources)
                source.Dispose();
            throw;
        }
    }

    private static string[] NamesOf(CifarVariant variant) => variant switch
    {
        CifarVariant.Cifar10 => CifarClassNames.Cifar10,
        CifarVariant.Cifar100Coarse => CifarClassNames.Cifar100Coarse,
        _ => CifarClassNames.Cifar100Fine,
    };
}
