using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// A folder of image files (PNG, JPEG, WebP, BMP, GIF: first frame) decoded with SkiaSharp, resized to one size, as RGB
/// or grayscale. With one sub-folder per class (as torchvision's ImageFolder) the sub-folder names, in ordinal order,
/// are the class names and give the labels; with image files directly in the folder and no sub-folders, the dataset
/// has no labels. Images are decoded once, in parallel, into a cache file (C·H·W bytes each) that batches are read
/// from and that later loads of the same files reuse (<see cref="ImageFolderOptions.UseCache"/>).
/// </summary>
/// <remarks>
/// Files are recognised by extension (<see cref="ImageDecoder.SupportedExtensions"/>); other files are ignored, as
/// are sub-folders whose name starts with a dot (e.g. .ipynb_checkpoints). Class sub-folders are searched
/// recursively; files are taken in ordinal order of their paths, so the dataset order is reproducible.
/// <para>
/// Symbolic links: links to files are followed (a folder of links into a photo library works), but every image file
/// is taken once: files are compared by their real path (every link along the way resolved), a file that lives in
/// the folder is taken from where it lives, and of several links to one file outside only the first in path order
/// counts; broken links and links to anything but a regular file are ignored. Links to folders are never followed,
/// neither as class folders nor inside them: that rules out endless recursion on a link loop and duplicates through
/// a link to a sibling folder, without tracking visited folders. <c>root</c> itself may be a link. Hard links are
/// separate files to the file system and count separately.
/// </para>
/// <para>
/// Entries with an image extension that are not readable regular files fail the load naming the file: a FIFO,
/// socket, device or empty file with an <see cref="InvalidDataException"/> (left out with
/// <see cref="ImageFolderOptions.SkipUndecodable"/>; such files are never opened, so a FIFO cannot block the load),
/// a file without read permission with an <see cref="IOException"/> (never skipped: the folder is not what it
/// seems to its owner).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var pets = ImageFolderDataset.Load("photos", new ImageFolderOptions { Height = 64, Width = 64, SkipUndecodable = true });
/// foreach (var skipped in pets.Skipped) Console.WriteLine($"{skipped.Path}: {skipped.Reason}");
/// </code>
/// </example>
public sealed class ImageFolderDataset : IImageDataset, IDisposable, IByteImageDataset
{
    private ImageFolderDataset(PixelSource pixels, ImageFolderOptions options, int[]? labels, string[]? classNames,
        string[] files, SkippedImage[] skipped, ImageFolderCacheReport cache)
    {
        Store = new ByteImageDataset(this, pixels, options.ColorMode.Channels(), options.Height, options.Width, labels, classNames);
        Files = Array.AsReadOnly(files);
        Skipped = Array.AsReadOnly(skipped);
        Cache = cache;
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

    /// <summary>Whether the pixels came from the decoded-image cache, were decoded into it, or are in memory, and why.</summary>
    internal ImageFolderCacheReport Cache { get; }

    /// <summary>The decoded-image cache file the pixels are read from (see <see cref="ImageFolderOptions.UseCache"/>),
    /// or null when they are in memory (caching off, or the cache folder could not be written).</summary>
    public string? CachePath => Cache.Path;

    /// <summary>Image files this load decoded: 0 when a valid cache was reused, every file otherwise.</summary>
    public int DecodedFiles => Cache.DecodedFiles;

    /// <summary>One line for a log on how the pixels were got: the cache reused, written or rebuilt (and why: changed
    /// files, another version, damage), or why the images are in memory.</summary>
    public string CacheMessage => Cache.Message;

    /// <summary>The file each image was decoded from, in dataset order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Files left out because they could not be decoded (only with
    /// <see cref="ImageFolderOptions.SkipUndecodable"/>), in path order.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    /// <summary>Decodes every image under <paramref name="root"/>.</summary>
    /// <param name="root">A folder with one sub-folder per class, or with the image files themselves.</param>
    /// <param name="options">Output size, colour mode and whether to skip undecodable files.</param>
    /// <exception cref="ArgumentException">A size or the parallelism in <paramref name="options"/> is out of range; the message names each with its value.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder (or a class sub-folder) holds no images, holds images both
    /// beside and inside class sub-folders, or a file cannot be decoded (unless skipped) or none can; the message names
    /// the folder or file.</exception>
    /// <exception cref="IOException">An image file cannot be read (no read permission, deleted meanwhile); the message
    /// names it.</exception>
    public static ImageFolderDataset Load(string root, ImageFolderOptions options) => Load(root, options, progress: null);

    /// <summary>Decodes every image under <paramref name="root"/>, reporting how many are done.</summary>
    /// <param name="root">A folder with one sub-folder per class, or with the image files themselves.</param>
    /// <param name="options">Output size, colour mode and whether to skip undecodable files.</param>
    /// <param name="progress">Receives (decoded, total) about a hundred times over the folder, from decoding threads.</param>
    /// <exception cref="ArgumentException">A size or the parallelism in <paramref name="options"/> is out of range; the message names each with its value.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Load(string, ImageFolderOptions)"/>.</exception>
    /// <exception cref="IOException">As <see cref="Load(string, ImageFolderOptions)"/>.</exception>
    public static ImageFolderDataset Load(string root, ImageFolderOptions options, IProgress<ImageProgress>? progress)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        Training.OptionsValidation.ThrowIfInvalid(options, nameof(options));
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Image folder '{root}' not found.");

        var (files, labels, classNames) = FindImages(root);
        var decoded = DecodedImageCache.Load(root, files, labels, classNames, options, progress);
        return new ImageFolderDataset(
            decoded.Pixels,
            options with { ColorMode = decoded.ColorMode },
            labels is null ? null : decoded.Kept.Select(i => labels[i]).ToArray(),
            classNames,
            decoded.Kept.Select(i => files[i]).ToArray(),
            decoded.Skipped,
            decoded.Report);
    }

    /// <summary>The smallest side <see cref="SuggestOptions"/> picks: smaller images are upsampled to it.</summary>
    public const int MinimumSuggestedSide = 16;

    /// <summary>
    /// Options read from the folder itself: a square input whose side is the median of the images' shorter sides,
    /// at least <see cref="MinimumSuggestedSide"/> and at most <paramref name="maxSide"/> (training cost grows with
    /// the square of the side), RGB with grayscale
    /// detection, undecodable files skipped. Reads image headers only (up to 1,000 files spread over the folder).
    /// </summary>
    /// <param name="root">The image folder.</param>
    /// <param name="maxSide">The largest side chosen; 32 by default, CIFAR's size, which a 2-core CPU trains in minutes.</param>
    /// <returns>The options and the images' median shorter side before capping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSide"/> is below 8.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no images, or none of the surveyed headers can be read.</exception>
    /// <exception cref="IOException">A surveyed image file cannot be read (no read permission); the message names it.</exception>
    public static (ImageFolderOptions Options, int MedianSide) SuggestOptions(string root, int maxSide = 32)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 8);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Image folder '{root}' not found.");
        var (files, _, _) = FindImages(root);
        int step = Math.Max(1, files.Length / 1000);
        var sides = new List<int>();
        for (int i = 0; i < files.Length; i += step)
        {
            try
            {
                var (h, w) = ImageDecoder.ReadDimensions(files[i]);
                sides.Add(Math.Min(h, w));
            }
            catch (InvalidDataException)
            {
                // An unreadable file is the decoder's to report (or skip); the survey only needs the others.
            }
        }
        if (sides.Count == 0)
            throw new InvalidDataException($"None of the {files.Length} image files surveyed in '{root}' has a readable header; the first is '{files[0]}'.");
        sides.Sort();
        int median = sides[sides.Count / 2];
        // Tiny images are upsampled to 16 px: the crops, the Cutout and the network's three stride-2 stages need room
        // (scikit-learn's 8x8 digits, same budget: ACC 0.663 at 8 px, 0.749 at 16 px).
        int side = Math.Clamp(median, Math.Min(MinimumSuggestedSide, maxSide), maxSide);
        return (new ImageFolderOptions { Height = side, Width = side, ColorMode = ColorMode.Rgb, DetectGrayscale = true, SkipUndecodable = true }, median);
    }

    private static (string[] Files, int[]? Labels, string[]? ClassNames) FindImages(string root)
    {
        var classFolders = Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && !IsLink(d))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var topLevel = ImagesIn(root, root, SearchOption.TopDirectoryOnly);

        if (classFolders.Length == 0)
        {
            if (topLevel.Length == 0)
                throw new InvalidDataException(
                    $"Image folder '{root}' holds no image files ({ExtensionList}) and no class sub-folders.");
            var unique = Unique(root, topLevel);
            return (unique.Select(i => topLevel[i]).ToArray(), null, null);
        }

        if (topLevel.Length > 0)
            throw new InvalidDataException(
                $"Image folder '{root}' holds class sub-folders and also {topLevel.Length} image file(s) beside them, e.g. '{topLevel[0]}' beside the sub-folder '{classFolders[0]}'; expected either one sub-folder per class or image files only.");

        var files = new List<string>();
        var labels = new List<int>();
        for (int c = 0; c < classFolders.Length; c++)
        {
            var images = ImagesIn(root, classFolders[c], SearchOption.AllDirectories);
            if (images.Length == 0)
                throw new InvalidDataException(
                    $"Class folder '{classFolders[c]}' holds no image files ({ExtensionList}); expected at least one per class.");
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(c, images.Length));
        }

        var keep = Unique(root, files);
        return (keep.Select(i => files[i]).ToArray(), keep.Select(i => labels[i]).ToArray(), classFolders.Select(f => Path.GetFileName(f)).ToArray());
    }

    /// <summary>
    /// The indices of <paramref name="files"/> to keep, in order: each real file once, taken from where it lives
    /// when it lives in the folder, else from the first link to it.
    /// </summary>
    private static List<int> Unique(string root, IReadOnlyList<string> files)
    {
        var keep = new List<int>(files.Count);
        string realRoot = RealPath(root) ?? Path.GetFullPath(root);
        string fullRoot = Path.GetFullPath(root);
        var comparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        // Files reached without following a link live at the real root plus their relative path (folder links are
        // never entered), so only links cost a resolution.
        var lives = new HashSet<string>(comparer);
        var links = new List<(int Index, string? Real)>();
        for (int i = 0; i < files.Count; i++)
        {
            if (IsLink(files[i]))
            {
                links.Add((i, RealPath(files[i])));
                continue;
            }
            lives.Add(Path.Combine(realRoot, Path.GetRelativePath(fullRoot, Path.GetFullPath(files[i]))));
        }
        if (links.Count == 0)
        {
            keep.AddRange(Enumerable.Range(0, files.Count));
            return keep;
        }
        var dropped = new HashSet<int>();
        var seen = new HashSet<string>(comparer);
        foreach (var (index, real) in links)
            if (real is null || lives.Contains(real) || !seen.Add(real))
                dropped.Add(index);
        for (int i = 0; i < files.Count; i++)
            if (!dropped.Contains(i))
                keep.Add(i);
        return keep;
    }

    /// <summary>
    /// The path with every symbolic link along it resolved (as POSIX realpath), or null for a broken link or a loop
    /// (more than 40 links on the way, as Linux's limit).
    /// </summary>
    internal static string? RealPath(string path)
    {
        int hops = 0;
        return Resolve(Path.GetFullPath(path));

        string? Resolve(string full)
        {
            string current = Path.GetPathRoot(full)!;
            foreach (string part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
            {
                string next = Path.Combine(current, part);
                string? target = new FileInfo(next).LinkTarget;
                if (target is not null)
                {
                    if (++hops > 40)
                        return null;
                    if (Resolve(Path.GetFullPath(target, current)) is not { } resolved)
                        return null;
                    next = resolved;
                }
                current = next;
            }
            return current;
        }
    }

    private static string[] ImagesIn(string root, string folder, SearchOption search)
    {
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            string current = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(current))
                if (ImageDecoder.SupportedExtensions.Contains(Path.GetExtension(file)) && IsWanted(file))
                    found.Add(file);
            if (search == SearchOption.TopDirectoryOnly)
                continue;
            foreach (var sub in Directory.EnumerateDirectories(current))
                if (!IsLink(sub) && !Path.GetFileName(sub).StartsWith('.'))
                    pending.Push(sub);
        }

        found.Sort(StringComparer.Ordinal);
        return found.ToArray();
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Not a link, or a link to an existing file (duplicates are left out by <see cref="Unique"/>).</summary>
    private static bool IsWanted(string file)
    {
        var info = new FileInfo(file);
        if (info.LinkTarget is null)
            return true;
        try
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is FileInfo { Exists: true } && !Directory.Exists(target.FullName);
        }
        catch (IOException)
        {
            return false; // a link loop
        }
    }

    private static string ExtensionList => string.Join(", ", ImageDecoder.SupportedExtensions.Order(StringComparer.Ordinal));
}
