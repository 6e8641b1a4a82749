namespace Scan.Core.Data;

/// <summary>What <see cref="ImageFolderDataset.Load(string, ImageFolderOptions, IProgress{ImageProgress})"/>
/// did with the decoded-image cache (see <see cref="ImageFolderOptions.UseCache"/>).</summary>
internal enum ImageFolderCacheOutcome
{
    /// <summary>Caching was off (<see cref="ImageFolderOptions.UseCache"/> false): the images were decoded into memory.</summary>
    Disabled,

    /// <summary>A valid cache for the same files and settings was found: nothing was decoded.</summary>
    Reused,

    /// <summary>There was no cache yet: the images were decoded and the cache written.</summary>
    Created,

    /// <summary>The cache described other files (a name, size or modification time changed, or files were added or
    /// removed) or was written by another version: the images were decoded again and the cache replaced.</summary>
    RebuiltStale,

    /// <summary>The cache failed its header or checksum test (damaged or truncated): the images were decoded again
    /// and the cache replaced. <see cref="ImageFolderCacheReport.Message"/> says what was wrong.</summary>
    RebuiltDamaged,

    /// <summary>The cache could not be written (a read-only or full cache directory): the images were decoded into
    /// memory, as with caching off. <see cref="ImageFolderCacheReport.Message"/> says why.</summary>
    Unavailable,
}

/// <summary>How an <see cref="ImageFolderDataset"/> got its pixels: from the decoded-image cache, decoded into it, or
/// decoded into memory, and why (public as <see cref="ImageFolderDataset.CachePath"/>,
/// <see cref="ImageFolderDataset.DecodedFiles"/> and <see cref="ImageFolderDataset.CacheMessage"/>).</summary>
internal sealed record ImageFolderCacheReport
{
    internal ImageFolderCacheReport(ImageFolderCacheOutcome outcome, string? path, int decodedFiles, string message)
    {
        Outcome = outcome;
        Path = path;
        DecodedFiles = decodedFiles;
        Message = message;
    }

    /// <summary>Whether the cache was reused, written, rebuilt or not used; <see cref="Message"/> says it in words.</summary>
    internal ImageFolderCacheOutcome Outcome { get; init; }

    /// <summary>The cache file the pixels are read from, or null when they are in memory.</summary>
    public string? Path { get; init; }

    /// <summary>Image files decoded by this load: 0 when the cache was reused, every file otherwise.</summary>
    public int DecodedFiles { get; init; }

    /// <summary>One line for a log: whether the cache was reused, written or rebuilt (and why: changed files, another
    /// version, damage), or why the images are in memory.</summary>
    public string Message { get; init; }
}
