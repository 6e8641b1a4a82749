namespace Scan.Samples;

/// <summary>Writes a file atomically, a temporary file beside it and then a rename, so an interrupted run never
/// leaves half a report behind. (Scan.NET's own writer is internal; this is the same idea in a few lines.)
/// One copy, compiled into every sample by samples/Directory.Build.props.</summary>
internal static class SampleFile
{
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
