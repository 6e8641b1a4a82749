using System.IO.Compression;

namespace Scan.Packaging.Tests;

/// <summary>What a user downloads: each package carries its README, licence, XML docs, the TorchSharp compat step
/// (buildTransitive, so it reaches projects that reference us indirectly) and a symbols package.</summary>
[Trait("Category", "Packaging")]
[Collection(PackedFeedCollection.Name)]
public sealed class PackageContentsTests(PackedFeed feed)
{
    public static TheoryData<string> Ids => new(PackedFeed.LibraryIds);

    [Theory]
    [MemberData(nameof(Ids))]
    public void Pack_Succeeds_WithSymbolsPackage(string id)
    {
        var (_, result, command) = feed.PackResults.Single(r => r.Id == id);
        result.ExitCode.Should().Be(0, result.Describe(command));
        File.Exists(feed.PackagePath(id)).Should().BeTrue($"dotnet pack should write {feed.PackagePath(id)}");
        File.Exists(Path.ChangeExtension(feed.PackagePath(id), ".snupkg")).Should().BeTrue("symbols ship as .snupkg");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_HoldsReadmeDocsAndCompatStep(string id)
    {
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        var entries = package.Entries.Select(e => e.FullName).ToList();

        entries.Should().Contain("README.md");
        entries.Should().Contain($"lib/net10.0/{id}.dll");
        entries.Should().Contain($"lib/net10.0/{id}.xml", "IntelliSense needs the XML docs next to the assembly");
        entries.Should().Contain($"buildTransitive/{id}.targets", "NuGet imports buildTransitive/<PackageId>.targets only under that name");
        entries.Should().Contain("buildTransitive/ScanMarkVersionNeedWeak.cs");
        entries.Should().Contain(["LICENSE", "CHANGELOG.md", "icon.png"]);

        string nuspec = ReadEntry(package, $"{id}.nuspec");
        nuspec.Should().Contain("<license type=\"expression\">MIT</license>");
        nuspec.Should().Contain("<readme>README.md</readme>");
        nuspec.Should().Contain($"<version>{feed.Version}</version>");
        nuspec.Should().Contain("<icon>icon.png</icon>");
        nuspec.Should().Contain("<repository type=\"git\" url=\"https://github.com/scan-dotnet/Scan.NET\"",
            "the repository URL is published (SourceLink maps the symbols to it when the clone's origin is GitHub)");
    }

    [Fact]
    public void Changelog_NamesTheVersionSetInDirectoryBuildProps()
    {
        // The version is set once, as VersionPrefix in Directory.Build.props; the changelog's newest entry must name it.
        string props = File.ReadAllText(Path.Combine(feed.RepositoryRoot, "Directory.Build.props"));
        var prefix = System.Text.RegularExpressions.Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>");
        prefix.Success.Should().BeTrue("Directory.Build.props sets VersionPrefix");
        string changelog = File.ReadAllText(Path.Combine(feed.RepositoryRoot, "CHANGELOG.md"));
        var newest = System.Text.RegularExpressions.Regex.Match(changelog, @"^## \[([^\]]+)\]", System.Text.RegularExpressions.RegexOptions.Multiline);

        newest.Success.Should().BeTrue("CHANGELOG.md has '## [version]' entries");
        newest.Groups[1].Value.Should().Be(prefix.Groups[1].Value);
        props.Should().NotContain("<Version>", "only VersionPrefix sets the version");
    }

    [Fact]
    public void CorePackage_DependsOnSiblingsAtTheSameVersion_AndOnManagedTorchSharpOnly()
    {
        using var package = ZipFile.OpenRead(feed.PackagePath("Scan.Core"));
        string nuspec = ReadEntry(package, "Scan.Core.nuspec");

        nuspec.Should().Contain($"<dependency id=\"Scan.Augment\" version=\"{feed.Version}\"");
        nuspec.Should().Contain($"<dependency id=\"Scan.Losses\" version=\"{feed.Version}\"");
        nuspec.Should().Contain("<dependency id=\"TorchSharp\" version=\"0.107.0\"");
        nuspec.Should().NotContain("TorchSharp-cpu", "a library leaves the native backend to the application");
    }

    [Fact]
    public void DataPackage_HoldsTheTestSplitWithItsLicence_AndCopiesItNextToTheApp()
    {
        string id = PackedFeed.DataPackageId;
        var (_, result, command) = feed.PackResults.Single(r => r.Id == id);
        result.ExitCode.Should().Be(0, result.Describe(command));
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        var entries = package.Entries.Select(e => e.FullName).ToList();

        entries.Should().Contain(["data/fashion-mnist/t10k-images-idx3-ubyte.gz", "data/fashion-mnist/t10k-labels-idx1-ubyte.gz",
            "data/fashion-mnist/LICENSE", "data/fashion-mnist/README.md", $"buildTransitive/{id}.targets"]);
        entries.Should().NotContain(e => e.StartsWith("lib/", StringComparison.Ordinal), "the package holds data, no assembly");
        package.GetEntry("data/fashion-mnist/t10k-images-idx3-ubyte.gz")!.Length
            .Should().Be(new FileInfo(Path.Combine(feed.RepositoryRoot, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz")).Length);

        string nuspec = ReadEntry(package, $"{id}.nuspec");
        nuspec.Should().Contain($"<dependency id=\"Scan.Core\" version=\"{feed.Version}\"", "LoadBundled() lives in Scan.Core");
    }

    private static string ReadEntry(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name) ?? throw new InvalidDataException($"The package has no '{name}'.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
