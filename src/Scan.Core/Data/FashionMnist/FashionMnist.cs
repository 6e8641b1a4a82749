namespace Scan.Core.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747; Zalando Research, MIT licence): 70,000 grayscale
/// 28x28 images of 10 clothing classes, shape (N, 1, 28, 28). Finds the IDX files where Debian's
/// <c>dataset-fashion-mnist</c> package installs them, in a folder the caller names, or, for the test split, in the
/// bundled copy: the <c>Scan.Datasets.FashionMnist</c> package puts it in data/fashion-mnist next to the app, and a
/// checkout of the Scan.NET repository has it in data/fashion-mnist at its root.
/// </summary>
/// <example>
/// <code>
/// using var all = FashionMnist.Load(FashionMnistSplit.All);   // 70,000 images from /usr/share/datasets/fashion-mnist
/// using var test = FashionMnist.LoadBundled();                // 10,000 test images (package Scan.Datasets.FashionMnist)
/// </code>
/// </example>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts the four .gz files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The bundled copy's place relative to the app's folder (package Scan.Datasets.FashionMnist) or the repository root.</summary>
    public const string BundledRelativeDirectory = "data/fashion-mnist";

    /// <summary>Class names indexed by label, as in the dataset's README.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>
    /// Opens a split from <paramref name="directory"/> (default <see cref="DebianDirectory"/>), which holds the files
    /// under their distributed names, gzip-compressed (e.g. train-images-idx3-ubyte.gz) or not.
    /// </summary>
    /// <param name="split">Train (60,000), Test (10,000) or All (70,000, train first).</param>
    /// <param name="directory">The folder with the IDX files; null for <see cref="DebianDirectory"/>.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist; the message says how to get the data.</exception>
    /// <exception cref="FileNotFoundException">A file of the split is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt (see <see cref="IdxDataset.Open(string, string?, IReadOnlyList{string}?)"/>).</exception>
    public static IdxDataset Load(FashionMnistSplit split = FashionMnistSplit.All, string? directory = null)
    {
        directory ??= DebianDirectory;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST folder '{directory}' not found. Install Debian's dataset-fashion-mnist package (files in {DebianDirectory}), " +
                "download the four .gz files from https://github.com/zalandoresearch/fashion-mnist and pass their folder, or use LoadBundled() for the test split.");
        IdxFilePair Part(string prefix) => new(
            Find(directory, $"{prefix}-images-idx3-ubyte"),
            Find(directory, $"{prefix}-labels-idx1-ubyte"));
        IdxFilePair[] parts = split switch
        {
            FashionMnistSplit.Train => [Part("train")],
            FashionMnistSplit.Test => [Part("t10k")],
            FashionMnistSplit.All => [Part("train"), Part("t10k")],
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected Train, Test or All."),
        };
        return IdxDataset.Open(parts, ClassNames);
    }

    /// <summary>
    /// Opens the bundled test split (10,000 images): reference the <c>Scan.Datasets.FashionMnist</c> package, which
    /// copies it to data/fashion-mnist in your app's build and publish output; inside the Scan.NET repository the
    /// copy at its root is found.
    /// </summary>
    /// <param name="searchFrom">Folder to search upward from; null to search from the application's folder
    /// (<see cref="AppContext.BaseDirectory"/>) and then the current directory.</param>
    /// <exception cref="DirectoryNotFoundException">No data/fashion-mnist folder was found; the message lists where it looked.</exception>
    public static IdxDataset LoadBundled(string? searchFrom = null) =>
        Load(FashionMnistSplit.Test, FindBundledDirectory(searchFrom));

    /// <summary>
    /// Finds the bundled data/fashion-mnist folder: the first folder, going upward from each starting folder, that
    /// contains data/fashion-mnist/t10k-images-idx3-ubyte.gz.
    /// </summary>
    /// <param name="searchFrom">Folder to search upward from; null to search from the application's folder
    /// (<see cref="AppContext.BaseDirectory"/>) and then the current directory.</param>
    /// <returns>The full path of the data/fashion-mnist folder.</returns>
    /// <exception cref="DirectoryNotFoundException">No such folder was found; the message lists where it looked.</exception>
    public static string FindBundledDirectory(string? searchFrom = null)
    {
        string[] starts = searchFrom is not null
            ? [Path.GetFullPath(searchFrom)]
            : [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        foreach (string start in starts)
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, BundledRelativeDirectory);
                if (File.Exists(Path.Combine(candidate, "t10k-images-idx3-ubyte.gz")))
                    return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"The bundled Fashion-MNIST folder {BundledRelativeDirectory} (with t10k-images-idx3-ubyte.gz) was not found in or above " +
            $"{string.Join(" or ", starts.Select(s => $"'{s}'"))}. Reference the Scan.Datasets.FashionMnist package (it copies the " +
            "folder next to your app), run from inside the Scan.NET repository, pass searchFrom, " +
            $"or use Load() with the full data set (Debian's dataset-fashion-mnist installs it in {DebianDirectory}).");
    }

    /// <summary>The .gz file if present, else the uncompressed one; a missing file is reported by name.</summary>
    private static string Find(string directory, string name)
    {
        string compressed = Path.Combine(directory, name + ".gz"), raw = Path.Combine(directory, name);
        if (File.Exists(compressed))
            return compressed;
        if (File.Exists(raw))
            return raw;
        throw new FileNotFoundException(
            $"Fashion-MNIST file '{compressed}' (or uncompressed '{raw}') not found; expected the distributed file names.", compressed);
    }
}
