namespace Scan.Packaging.Tests;

/// <summary>
/// A local NuGet feed holding Scan.Losses, Scan.Augment, Scan.Core and Scan.Datasets.FashionMnist packed once from the repository under a
/// version no earlier run used (0.1.0-test.&lt;UTC time&gt;), so the NuGet cache can never serve a stale copy.
/// Build output goes to a temporary artifacts folder, leaving the repository's bin and obj untouched.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    /// <summary>The code packages: an assembly each, with docs, symbols and the TorchSharp compat step.</summary>
    public static readonly string[] LibraryIds = ["Scan.Losses", "Scan.Augment", "Scan.Core"];

    /// <summary>The data package: the bundled Fashion-MNIST test split and the build step that copies it next to the app.</summary>
    public const string DataPackageId = "Scan.Datasets.FashionMnist";

    public static readonly string[] PackageIds = [.. LibraryIds, DataPackageId];

    public PackedFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        WorkDirectory = Directory.CreateTempSubdirectory("scan-packaging-").FullName;
        FeedDirectory = Directory.CreateDirectory(Path.Combine(WorkDirectory, "feed")).FullName;
        string artifacts = Path.Combine(WorkDirectory, "artifacts");
        foreach (string id in PackageIds)
        {
            string project = Path.Combine(RepositoryRoot, "src", id, id + ".csproj");
            string[] arguments = ["pack", project, "-c", "Release", "-o", FeedDirectory, $"-p:Version={Version}", "--artifacts-path", artifacts];
            var result = ProcessRunner.RunDotnet(RepositoryRoot, arguments);
            PackResults.Add((id, result, "dotnet " + string.Join(' ', arguments)));
        }
    }

    public string RepositoryRoot { get; }

    public string Version { get; }

    /// <summary>Temporary folder outside the repository holding the feed, the build output and the consumer.</summary>
    public string WorkDirectory { get; }

    /// <summary>The local feed folder with the .nupkg and .snupkg files.</summary>
    public string FeedDirectory { get; }

    public List<(string Id, ProcessResult Result, string Command)> PackResults { get; } = [];

    public string PackagePath(string id) => Path.Combine(FeedDirectory, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        TryDelete(WorkDirectory);
        // The test version is unique to this run: drop its copies from the global cache so runs do not pile up.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in PackageIds)
            TryDelete(Path.Combine(cache, id.ToLowerInvariant(), Version));
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; failing the run over it is not.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        string? recorded = typeof(PackedFeed).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ScanRepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "Scan.sln")))
            return Path.GetFullPath(recorded);
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Scan.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No Scan.sln above '{AppContext.BaseDirectory}': run the tests from the repository.");
    }
}
