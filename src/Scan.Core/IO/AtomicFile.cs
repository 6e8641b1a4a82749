using System.Collections.Concurrent;
using System.Diagnostics;

namespace Scan.Core.IO;

/// <summary>
/// Writes files so that a reader (or a crash) never sees half of one: the bytes go to a temporary file in the same
/// folder, are flushed to disk, and the temporary file is then renamed over the target, which is atomic on the
/// same file system. What the target held before stays intact until the rename. A writer killed before its rename
/// leaves its temporary file (<c>.name.pid.guid.tmp</c>) behind; the next write of the same target deletes it once
/// its process is gone, so they do not pile up in a run directory that is killed and resumed again and again.
/// </summary>
internal static class AtomicFile
{
    // Temporary files this process is writing right now: the only ones with its own id that are not abandoned.
    private static readonly ConcurrentDictionary<string, byte> Writing = new(StringComparer.Ordinal);

    /// <summary>Writes the file through <paramref name="write"/> and renames it into place.</summary>
    /// <param name="path">The target file; its folder is created if missing.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        DeleteAbandonedTemporaryFiles(full);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Writing.TryAdd(temp, 0);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        finally
        {
            Writing.TryRemove(temp, out _);
        }
    }

    /// <summary>
    /// Deletes the temporary files of <paramref name="path"/> whose writer is gone: this process when it is not
    /// writing them, or a process that no longer runs (or whose id now belongs to a process started after the file
    /// was last written). Those of a live writer are left alone. Returns how many were deleted.
    /// </summary>
    internal static int DeleteAbandonedTemporaryFiles(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            return 0;
        string prefix = $".{Path.GetFileName(full)}.";
        int deleted = 0;
        foreach (string temp in Directory.EnumerateFiles(directory, "*.tmp"))
        {
            string name = Path.GetFileName(temp);
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            // What follows the prefix is "pid.guid.tmp"; anything else is not ours.
            string[] parts = name[prefix.Length..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || !Guid.TryParseExact(parts[1], "N", out _))
                continue;
            if (IsAbandoned(temp, pid) && TryDelete(temp))
                deleted++;
        }
        return deleted;
    }

    private static bool IsAbandoned(string temp, int pid)
    {
        if (pid == Environment.ProcessId)
            return !Writing.ContainsKey(temp);
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited || process.StartTime.ToUniversalTime() > File.GetLastWriteTimeUtc(temp);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return true;   // no process with that id, or it exited while we looked
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;  // it may be alive and we may not look at it: leave its file
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            // Best effort: a stray temp file is harmless and never read.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }
}
