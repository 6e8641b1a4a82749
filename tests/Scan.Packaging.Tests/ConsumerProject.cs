using System.Runtime.InteropServices;

namespace Scan.Packaging.Tests;

/// <summary>
/// A fresh console project in the packed feed's temporary folder, outside the repository, that references Scan.NET
/// packages from the local feed and everything else from nuget.org, as a user's app would.
/// </summary>
internal static class ConsumerProject
{
    /// <summary>
    /// What a user references for libtorch on this machine, as the README's "Installing the packages" says: on Linux x64,
    /// Windows x64 and macOS arm64 that platform's libtorch-cpu package and its RuntimeIdentifier (so the output holds
    /// one platform's native libraries); elsewhere TorchSharp-cpu.
    /// </summary>
    public static string? RuntimeIdentifier => RuntimeInformation.RuntimeIdentifier is "linux-x64" or "win-x64" or "osx-arm64"
        ? RuntimeInformation.RuntimeIdentifier
        : null;

    public static string Create(PackedFeed feed, string name, IEnumerable<string> scanPackages)
    {
        string project = Directory.CreateDirectory(Path.Combine(feed.WorkDirectory, name)).FullName;
        // Empty Directory.Build.* files stop MSBuild's upward search, so no props or targets from above leak in.
        File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(project, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed.FeedDirectory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        string references = string.Join("\n", scanPackages.Select(id => $"""    <PackageReference Include="{id}" Version="{feed.Version}" />"""));
        string native = RuntimeIdentifier is { } rid
            ? $"""    <PackageReference Include="libtorch-cpu-{rid}" Version="2.10.0" />"""
            : """    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />""";
        string ridProperty = RuntimeIdentifier is { } r ? $"<RuntimeIdentifier>{r}</RuntimeIdentifier>" : "";
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                {ridProperty}
              </PropertyGroup>
              <ItemGroup>
            {references}
            {native}
              </ItemGroup>
            </Project>
            """);
        return project;
    }

    /// <summary>The folder `dotnet build -c Release` writes the app to.</summary>
    public static string OutputDirectory(string project) => RuntimeIdentifier is { } rid
        ? Path.Combine(project, "bin", "Release", "net10.0", rid)
        : Path.Combine(project, "bin", "Release", "net10.0");

    /// <summary>Bytes of every file under <paramref name="directory"/>.</summary>
    public static long Size(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
