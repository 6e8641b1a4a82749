namespace Scan.Core.IO;

/// <summary>
/// Writes files so that a reader (or a crash) never sees half of one: the bytes go to a temporary file in the same
/// folder, are flushed to disk, and the temporary file is then renamed over the target, which is atomic on the
/// same file system. What the target held before stays intact until the rename.
/// </summary>
public static class AtomicFile
{
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
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
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

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temp file is harmless and never read.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
