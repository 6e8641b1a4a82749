using Xunit.Abstractions;

namespace Scan.Packaging.Tests;

/// <summary>
/// A fresh console project outside the repository references Scan.Core and TorchSharp-cpu from the packed feed and
/// nuget.org and runs a tiny pipeline end to end. Proves the packages restore, build and run for a user; in particular
/// the buildTransitive TorchSharp compat step, without which libtorch does not load on Debian 12.
/// </summary>
[Trait("Category", "Packaging")]
[Collection(PackedFeedCollection.Name)]
public sealed class ConsumerProjectTests(PackedFeed feed, ITestOutputHelper log)
{
    private const string ProgramText = """
        using Scan.Core.Data;
        using Scan.Core.Models;
        using Scan.Core.Pipeline;
        using static TorchSharp.torch;

        // 24 grayscale 16x16 images of two kinds (dark and bright), made in memory.
        manual_seed(0);
        var images = cat(new[] { rand(12, 1, 16, 16) * 0.3f, rand(12, 1, 16, 16) * 0.3f + 0.7f }, 0);
        using var dataset = new InMemoryImageDataset(images);
        var pipeline = ScanPipeline.Create()
            .WithOptions(ScanPresets.FashionMnistQuick())
            .WithBackbone(BackboneArchitecture.SmallResNet, width: 16)
            .WithPretext(o => { o.Epochs = 1; o.WarmupEpochs = 0; o.BatchSize = 8; })
            .WithNeighbors(3)
            .WithClustering(o => { o.Clusters = 2; o.Heads = 1; o.Epochs = 2; o.BatchSize = 8; })
            .WithoutSelfLabeling()
            .WithSeed(0)
            .Build();
        using var result = await pipeline.RunAsync(dataset);
        Console.WriteLine($"clusters: {result.Prototypes.Count}, images: {result.Assignments.Count}, torch {__version__}");
        """;

    [Fact]
    public void FreshConsoleProject_RestoresBuildsAndRunsAPipeline()
    {
        feed.PackResults.Should().OnlyContain(r => r.Result.ExitCode == 0, "every package must pack first");
        string project = Directory.CreateDirectory(Path.Combine(feed.WorkDirectory, "consumer")).FullName;
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
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Scan.Core" Version="{feed.Version}" />
                <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), ProgramText);

        var run = ProcessRunner.RunDotnet(project, "run", "-c", "Release");
        log.WriteLine(run.Describe("dotnet run -c Release"));

        run.ExitCode.Should().Be(0, run.Describe("dotnet run -c Release"));
        run.Output.Should().Contain("clusters: 2, images: 24, torch 2.10", run.Describe("dotnet run -c Release"));
    }
}
