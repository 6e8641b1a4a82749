namespace Scan.Tests.Shared;

/// <summary>Reads RELIABILITY.md, found above the test binaries, for the tests that check its case counts against
/// what they run. Linked into every test project that has a row.</summary>
internal static class ReliabilityTable
{
    /// <summary>The table row whose fault class is <paramref name="faultClass"/>, exactly one.</summary>
    public static string Row(string faultClass)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RELIABILITY.md")))
            dir = dir.Parent;
        dir.Should().NotBeNull("RELIABILITY.md is at the repository root above the test binaries");
        return File.ReadAllLines(Path.Combine(dir!.FullName, "RELIABILITY.md"))
            .Single(l => l.StartsWith("| " + faultClass + " |", StringComparison.Ordinal));
    }
}
