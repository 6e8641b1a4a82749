namespace Scan.Samples.ImageFolder;

/// <summary>What the user asked for on the command line, after System.CommandLine has parsed and validated it.</summary>
internal sealed record ClusterArguments(
    DirectoryInfo Folder,
    int Clusters,
    int Size,
    bool Grayscale,
    TimeSpan? Budget,
    int Epochs,
    long Seed,
    DirectoryInfo Output,
    DirectoryInfo? RunDirectory,
    bool SkipUndecodable);
