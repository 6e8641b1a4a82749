namespace Scan.Core.Data;

/// <summary>What <see cref="ImageFolderDataset.Load(string, ImageFolderOptions, IProgress{ImageFolderProgress})"/>
/// did with the decoded-image cache (see <see cref="ImageFolderOptions.UseCache"/>).</summary>
public enum ImageFolderCacheOutcome
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

/// <summary>How an <see cref="ImageFolderDataset"/> got its pixels.</summary>
/// <param name="Outcome">Whether the cache was reused, written, rebuilt or not used.</param>
/// <param name="Path">The cache file the pixels are read from, or null when they are in memory.</param>
/// <param name="DecodedFiles">Image files decoded by this load: 0 when the cache was reused, every file otherwise.</param>
/// <param name="Message">One line for a log, e.g. why a cache was rebuilt.</param>
public sealed record ImageFolderCacheReport(ImageFolderCacheOutcome Outcome, string? Path, int DecodedFiles, string Message);
