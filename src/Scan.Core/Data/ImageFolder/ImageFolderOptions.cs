
namespace Scan.Core.Data;

/// <summary>How <see cref="ImageFolderDataset"/> decodes a folder of image files.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Height every image is resized to, in pixels; at least 1.</summary>
    public required int Height { get; init; }

    /// <summary>Width every image is resized to, in pixels; at least 1.</summary>
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
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
