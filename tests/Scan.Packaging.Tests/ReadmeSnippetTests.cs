using Xunit.Abstractions;

namespace Scan.Packaging.Tests;

/// <summary>
/// README.md is also the packages' page on NuGet, so its C# blocks must work for someone who has only the packages.
/// Every ```csharp block becomes a method of one fresh console project outside the repository that references
/// Scan.Core and Scan.Datasets.FashionMnist from the packed feed and the one-platform libtorch package; the project
/// must build with warnings as errors, and each block marked <c>&lt;!-- snippet: run --&gt;</c> is run in its own
/// process from a folder outside the repository. That proves the packages restore, build and run for a user, the
/// buildTransitive TorchSharp compat step (without which libtorch does not load on Debian 12), and that
/// FashionMnist.LoadBundled() finds the data the data package copies next to the app.
/// </summary>
[Trait("Category", "Packaging")]
[Collection(PackedFeedCollection.Name)]
public sealed class ReadmeSnippetTests(PackedFeed feed, ITestOutputHelper log)
{
    private static readonly object Gate = new();
    private static (string Project, ProcessResult Build)? _built;

    [Fact]
    public void Readme_HasRunnableAndCompileOnlyBlocks_EachMarked()
    {
        var snippets = ReadmeSnippets.Parse(File.ReadAllText(ReadmePath));

        snippets.Should().Contain(s => s.Run, "at least one README block is run, not only compiled");
        snippets.Should().OnlyContain(s => s.Body.Any(line => line.Text.Trim().Length > 0), "an empty block proves nothing");
    }

    [Fact]
    public void ReadmeBlocks_BuildInAFreshProject_AgainstThePackedPackages()
    {
        var (_, build) = Build();
        build.ExitCode.Should().Be(0, build.Describe("dotnet build -c Release"));
    }

    [Fact]
    public void ReadmeBlocksMarkedRun_RunOutsideTheRepository()
    {
        var (project, build) = Build();
        build.ExitCode.Should().Be(0, build.Describe("dotnet build -c Release"));
        string app = Path.Combine(ConsumerProject.OutputDirectory(project), "Consumer.dll");

        foreach (var snippet in ReadmeSnippets.Parse(File.ReadAllText(ReadmePath)).Where(s => s.Run))
        {
            // A folder of its own, outside the repository: LoadBundled() must find the data next to the app, not by
            // walking up into a checkout, and files a block writes do not meet another block's.
            string folder = Directory.CreateDirectory(Path.Combine(feed.WorkDirectory, $"run-{snippet.Number}")).FullName;
            var run = ProcessRunner.RunDotnet(folder, app, snippet.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string command = $"dotnet Consumer.dll {snippet.Number}  (README.md C# block {snippet.Number}, line {snippet.Line})";
            log.WriteLine(run.Describe(command));
            run.ExitCode.Should().Be(0, run.Describe(command));
        }
    }

    [Fact]
    public void ConsumerOutput_HoldsTheBundledDataWithItsLicence_AndOnePlatformsLibTorch()
    {
        var (project, build) = Build();
        build.ExitCode.Should().Be(0, build.Describe("dotnet build -c Release"));
        string output = ConsumerProject.OutputDirectory(project);

        foreach (string file in new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "LICENSE", "README.md" })
            File.Exists(Path.Combine(output, "data", "fashion-mnist", file)).Should().BeTrue($"the data package copies {file} next to the app");

        long bytes = ConsumerProject.Size(output);
        log.WriteLine($"consumer output {output}: {bytes / (1024.0 * 1024.0):F0} MiB");
        if (ConsumerProject.RuntimeIdentifier is not null)
        {
            var natives = Directory.EnumerateFiles(output, "*torch_cpu*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            natives.Should().ContainSingle("one platform's libtorch, not TorchSharp-cpu's three: found {0}", string.Join(", ", natives));
            bytes.Should().BeLessThan(700L << 20, "a one-platform app's output stays under 700 MiB");
        }
    }

    private string ReadmePath => Path.Combine(feed.RepositoryRoot, "README.md");

    /// <summary>Writes and builds the consumer once for the tests of this class.</summary>
    private (string Project, ProcessResult Build) Build()
    {
        lock (Gate)
        {
            if (_built is { } built && Directory.Exists(built.Project))
                return built;
            feed.PackResults.Should().OnlyContain(r => r.Result.ExitCode == 0, "every package must pack first");
            var snippets = ReadmeSnippets.Parse(File.ReadAllText(ReadmePath));
            string project = ConsumerProject.Create(feed, "readme", ["Scan.Core", "Scan.Datasets.FashionMnist"]);
            foreach (var snippet in snippets)
                File.WriteAllText(Path.Combine(project, snippet.ClassName + ".cs"), snippet.ToSource());
            File.WriteAllText(Path.Combine(project, "Program.cs"), ReadmeSnippets.ProgramSource(snippets));
            var build = ProcessRunner.RunDotnet(project, "build", "-c", "Release");
            log.WriteLine(build.Describe("dotnet build -c Release"));
            _built = (project, build);
            return _built.Value;
        }
    }
}
