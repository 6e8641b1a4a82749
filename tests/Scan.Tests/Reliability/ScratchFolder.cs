namespace Scan.Tests.Reliability;

/// <summary>
/// A fresh folder for thousands of small mutated files, deleted on dispose: in /dev/shm (memory) where the OS has it,
/// so the fuzz loops measure the loaders rather than disk writeback, else under the system temp folder.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        string root = OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, "scan-fuzz-" + Guid.NewGuid().ToString("N"))).FullName;
    }

    public string Path { get; }

    /// <summary>Full path of <paramref name="relative"/> inside the folder, creating its parent folders.</summary>
    public string File(string relative)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped on Windows; the OS cleans the temp folder eventually.
        }
    }
}
