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
    /// <param name="flushToDisk">Flush the bytes to the disk before the rename (the default). Without it a crash
    /// of the machine (not of the process) soon after may leave the target with missing or zero bytes: only for
    /// files whose readers verify a checksum and can rebuild them (the decoded-image cache).</param>
    /// <exception cref="IOException">The file cannot be written (disk full, file-size limit, a folder without write
    /// permission); the message names <paramref name="path"/>, whose previous content is left as it was.</exception>
    public static void Write(string path, Action<Stream> write, bool flushToDisk = true)
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
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var stream = new FileSizeLimitStream(file);
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not FileNotFoundException)
        {
            // A full disk, a file-size limit or a folder that cannot be written: the error from the temporary file
            // names a path nobody asked for, so name the target and say that its previous version is untouched.
            TryDelete(temp);
            throw new IOException(
                $"Could not write '{full}': {e.Message.TrimEnd('.')}. {(File.Exists(full) ? "Its previous version is intact" : "Nothing was written there")} " +
                "(the new content goes to a temporary file that is renamed over it only once complete); free space or " +
                "fix the permissions and run again.", e);
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

    /// <summary>
    /// Passes writes on to a file, turning the <see cref="ArgumentOutOfRangeException"/> (parameter "value") that .NET
    /// raises for EFBIG, a write past the process's file-size limit (RLIMIT_FSIZE) or the file system's largest
    /// file, into the <see cref="IOException"/> every other write error is.
    /// </summary>
    private sealed class FileSizeLimitStream(FileStream file) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => file.CanSeek;
        public override bool CanWrite => true;
        public override long Length => file.Length;

        public override long Position
        {
            get => file.Position;
            set => file.Position = value;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            Write(buffer.AsSpan(offset, count));
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Translate(file, buffer, static (f, b) => f.Write(b));

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush() => Translate(file, default, static (f, _) => f.Flush());

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);
        public override void SetLength(long value) => file.SetLength(value);

        private delegate void FileAction(FileStream file, ReadOnlySpan<byte> buffer);

        private static void Translate(FileStream file, ReadOnlySpan<byte> buffer, FileAction action)
        {
            try
            {
                action(file, buffer);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new IOException($"{e.Message.Split(" (Parameter", 2)[0].TrimEnd('.')} (EFBIG: the file-size limit of this process or file system)", e);
            }
        }
    }
}
