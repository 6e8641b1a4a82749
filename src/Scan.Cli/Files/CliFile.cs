namespace Scan.Cli.Files;

/// <summary>
/// Writes every output file atomically, a temporary file beside it and then a rename, so an interrupted run never
/// leaves half a CSV, model or report that looks complete. (Scan.NET's own writer is internal to the library.)
/// </summary>
internal static class CliFile
{
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>Writes through <paramref name="write"/> into a temporary file, flushes it to disk and renames it over
    /// <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Creates <paramref name="folder"/> and checks a file can be written in it, before any training starts: a run of
    /// many minutes must not end on "access denied".
    /// </summary>
    /// <exception cref="CliError">The folder cannot be created or written; the message names it and says why.</exception>
    public static void RequireWritableFolder(string folder, string optionName)
    {
        string full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, ".scan-write-test-" + Guid.NewGuid().ToString("N")[..8]);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"cannot write to {optionName} '{full}': {e.Message}", e);
        }
    }
}
