using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Data;

/// <summary>How <see cref="ImageFolderDataset"/> decodes a folder of image files.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Height every image is resized to, in pixels; at least 1.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Height must be at least 1.")]
    public required int Height { get; init; }

    /// <summary>Width every image is resized to, in pixels; at least 1.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Width must be at least 1.")]
    public required int Width { get; init; }

    /// <summary>RGB (3 channels, the default) or grayscale (1 channel).</summary>
    public ColorMode ColorMode { get; init; } = ColorMode.Rgb;

    /// <summary>
    /// With <see cref="ColorMode.Rgb"/>: when every decoded image has equal red, green and blue values (a folder of
    /// grayscale photos saved as RGB), the dataset is made one-channel, which a grayscale model learns from at a third
    /// of the input cost. Off by default; on in <see cref="ImageFolderDataset.SuggestOptions"/>.
    /// </summary>
    public bool DetectGrayscale { get; init; }

    /// <summary>
    /// When true, files with an image extension that cannot be decoded are left out and listed in
    /// <see cref="ImageFolderDataset.Skipped"/>; when false (the default), the first one raises an
    /// <see cref="InvalidDataException"/>. Entries that are not non-empty regular files (0 bytes, a FIFO, socket or
    /// device; never opened) count as undecodable; a file without read permission is not skipped but fails the load
    /// with an <see cref="IOException"/> naming it. Links are described on <see cref="ImageFolderDataset"/>: links to
    /// folders are not followed, links to files are, each real file counting once.
    /// </summary>
    public bool SkipUndecodable { get; init; }

    /// <summary>Images decoded at once; -1 (the default) for one per processor.</summary>
    [Range(-1, int.MaxValue, ErrorMessage = "MaxDegreeOfParallelism must be -1 or at least 1.")]
    [DeniedValues(0, ErrorMessage = "MaxDegreeOfParallelism must be -1 or at least 1.")]
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// When true (the default), the decoded images are written once to a cache file in <see cref="CacheDirectory"/>
    /// and read from there, a batch at a time, so a folder larger than memory loads, and later loads of the same
    /// files with the same settings decode nothing. When false, every load decodes every image into memory.
    /// </summary>
    /// <remarks>
    /// The cache is replaced when a file is added, removed, renamed, or changes size or modification time, when
    /// <see cref="Height"/>, <see cref="Width"/>, <see cref="ColorMode"/> or <see cref="ImageDecoder.MaxPixels"/>
    /// change, and when it fails its checksums. The file format is in FORMATS.md. What happened is in
    /// <see cref="ImageFolderDataset.Cache"/>.
    /// </remarks>
    public bool UseCache { get; init; } = true;

    /// <summary>
    /// The folder of the cache files, or null (the default) for the user's cache folder: <c>$XDG_CACHE_HOME/scan-net/image-folders</c>
    /// (<c>~/.cache/scan-net/image-folders</c>) on Linux, <c>~/Library/Caches/scan-net/image-folders</c> on macOS,
    /// <c>%LOCALAPPDATA%\scan-net\cache\image-folders</c> on Windows. Nothing is ever written into the image folder
    /// itself, so a read-only or shared folder works. When the folder cannot be written the images are decoded into
    /// memory, as with <see cref="UseCache"/> false, and <see cref="ImageFolderDataset.Cache"/> says why.
    /// </summary>
    public string? CacheDirectory { get; init; }
}
