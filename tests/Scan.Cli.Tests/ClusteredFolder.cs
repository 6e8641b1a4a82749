namespace Scan.Cli.Tests;

/// <summary>
/// One `scan cluster` run on 24 generated images (two kinds of stripes) with K = 2 and a 15-second budget, shared by
/// the tests that look at its outputs, so the suite trains only once.
/// </summary>
public sealed class ClusteredFolder : IDisposable
{
    private readonly ImageFolders.Temporary _temporary = new();

    public ClusteredFolder()
    {
        Images = _temporary.Sub("images");
        Output = _temporary.Sub("out");
        ImageFolders.WriteStripes(Images, perKind: 12);
        Run = CliProcess.Run("cluster", Images, "-k", "2", "--budget", "15s", "--seed", "3", "--out", Output);
    }

    public string Images { get; }

    public string Output { get; }

    public CliRun Run { get; }

    public string OutputFile(string name) => Path.Combine(Output, name);

    public void Dispose() => _temporary.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ClusteredFolderCollection : ICollectionFixture<ClusteredFolder>
{
    public const string Name = "clustered folder";
}
