using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// STL-10 in its binary distribution (stl10_binary): 96x96 RGB images, shape (N, 3, 96, 96). Image files are
/// read as batches need them. Each image is stored as 3 channel planes, each plane column by column (as MATLAB writes), and is
/// transposed to rows when read. Label files hold one byte per image, 1 to 10, mapped here to 0 to 9.
/// </summary>
/// <example>
/// <code>
/// using var test = Stl10Dataset.Open("data/stl10_binary", Stl10Split.Test); // 8,000 images, labelled
/// </code>
/// </example>
public sealed class Stl10Dataset : IImageDataset, IDisposable, IByteImageDataset
{
    private const int Side = 96;
    private const int ImageBytes = 3 * Side * Side;

    /// <summary>Class names in label order (class_names.txt of the distribution).</summary>
    private static readonly string[] Names =
        ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"];

    private Stl10Dataset(PixelSource pixels, int[]? labels)
    {
        Store = new ByteImageDataset(this, pixels, 3, Side, Side, labels, Names, columnMajor: true);
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

    /// <summary>Opens a split from the stl10_binary folder, or from a folder that contains it.</summary>
    /// <param name="directory">The folder holding the .bin files, or its parent.</param>
    /// <param name="split">Which images.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">A .bin file of the split is missing; the message names it.</exception>
    /// <exception cref="InvalidDataException">As for <see cref="OpenFiles"/>.</exception>
    public static Stl10Dataset Open(string directory, Stl10Split split)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"STL-10 folder '{directory}' not found.");
        string archiveFolder = Path.Combine(directory, "stl10_binary");
        string folder = !File.Exists(Path.Combine(directory, FirstFile(split))) && Directory.Exists(archiveFolder) ? archiveFolder : directory;
        string In(string name) => Path.Combine(folder, name);
        return split switch
        {
            Stl10Split.Train => OpenFiles(In("train_X.bin"), In("train_y.bin")),
            Stl10Split.Test => OpenFiles(In("test_X.bin"), In("test_y.bin")),
            Stl10Split.Unlabeled => OpenFiles(In("unlabeled_X.bin")),
            Stl10Split.TrainAndUnlabeled => OpenParts([In("train_X.bin"), In("unlabeled_X.bin")], labelsPath: null),
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected a defined Stl10Split."),
        };
    }

    /// <summary>Opens an STL-10 image file and, optionally, its label file.</summary>
    /// <param name="imagesPath">A *_X.bin file: a whole number of 27,648-byte images.</param>
    /// <param name="labelsPath">The matching *_y.bin file, or null.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">The image file is empty or not a whole number of images (truncated),
    /// the label file has a different count, or a label is outside 1 to 10; the message names the file and what was
    /// expected.</exception>
    public static Stl10Dataset OpenFiles(string imagesPath, string? labelsPath = null) => OpenParts([imagesPath], labelsPath);

    private static Stl10Dataset OpenParts(string[] imagePaths, string? labelsPath)
    {
        var sources = new List<PixelSource>();
        try
        {
            foreach (string path in imagePaths)
            {
                ArgumentException.ThrowIfNullOrEmpty(path, nameof(imagePaths));
                if (!File.Exists(path))
                    throw new FileNotFoundException($"STL-10 images file '{path}' not found.", path);
                long length = new FileInfo(path).Length;
                if (length == 0 || length % ImageBytes != 0)
                    throw new InvalidDataException(
                        $"'{path}' is {length} bytes, not a whole number of {ImageBytes}-byte STL-10 images (3x96x96): expected a multiple of {ImageBytes}; the file is truncated or not STL-10.");
                sources.Add(FilePixelSource.Open(path, 0, ImageBytes, ImageBytes, checked((int)(length / ImageBytes))));
            }

            var pixels = ConcatPixelSource.Of(sources);
            return new Stl10Dataset(pixels, labelsPath is null ? null : ReadLabels(labelsPath, imagePaths[0], pixels.Count));
        }
        catch
        {
            foreach (var source in sources)
                source.Dispose();
            throw;
        }
    }

    private static int[] ReadLabels(string path, string imagesPath, int imageCount)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"STL-10 labels file '{path}' not found.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != imageCount)
            throw new InvalidDataException(
                $"'{path}' holds {bytes.Length} labels but '{imagesPath}' holds {imageCount} images; expected one label byte per image.");
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] is < 1 or > 10)
                throw new InvalidDataException($"'{path}' gives image {i} the label {bytes[i]}; expected 1 to 10 (STL-10 labels are 1-based).");
            labels[i] = bytes[i] - 1;
        }

        return labels;
    }

    private static string FirstFile(Stl10Split split) => split switch
    {
        Stl10Split.Test => "test_X.bin",
        Stl10Split.Unlabeled => "unlabeled_X.bin",
        _ => "train_X.bin",
    };
}
