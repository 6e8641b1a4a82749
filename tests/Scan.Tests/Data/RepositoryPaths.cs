using System.Runtime.CompilerServices;

namespace Scan.Tests.Data;

/// <summary>
/// Where to start looking for the repository's data folder: this source file's folder when it exists on this
/// machine (tests may run from an output folder outside the repository, e.g. with --artifacts-path), else null so
/// the library searches from the test binaries and the current directory.
/// </summary>
internal static class RepositoryPaths
{
    public static string? SearchFrom => ThisFolder() is { } folder && Directory.Exists(folder) ? folder : null;

    private static string? ThisFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path);
}
