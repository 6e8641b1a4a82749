using Scan.ReliabilityHost;
using Scan.Tests.Data;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// A child rewrites a 4 MB checksummed file (the container of checkpoints and models) and a JSON file (how reports
/// are written) through <see cref="Scan.Core.IO.AtomicFile"/> as fast as it can and is SIGKILLed at random moments,
/// many times. After every kill each file must be a complete version, the last one the child finished or the one it
/// was writing, never a partial one; temporary files of killed writers must not pile up.
/// </summary>
public sealed class InterruptionWriteTests(ITestOutputHelper output)
{
    private const int Kills = ReliabilityCaseCounts.WriteKills;

    [Fact]
    public async Task Files_killed_mid_write_hold_the_previous_or_the_new_complete_version_and_temp_files_do_not_pile_up()
    {
        int seed = InterruptionKillTests.RandomSeed();
        output.WriteLine($"kill timing seed {seed} (set SCAN_RELIABILITY_SEED to replay it)");
        var random = new Random(seed);
        using var folder = new TempFolder();
        var settings = new HostSettings { Mode = "write-loop", WriteDirectory = folder.Path, Megabytes = 4 };
        string blob = Path.Combine(folder.Path, WriteLoop.BlobName), report = Path.Combine(folder.Path, WriteLoop.ReportName);

        long version = 0, reportVersion = 0;
        int killedMidWrite = 0, maxTempFiles = 0, kills = 0;
        for (int i = 0; i < Kills; i++)
        {
            using var host = HostProcess.Start(settings);
            string? ready = await host.WaitForLineAsync(l => l.StartsWith("ready ", StringComparison.Ordinal));
            ready.Should().NotBeNull($"the writer must start.{host.Describe()}");
            long.Parse(ready!["ready ".Length..]).Should().Be(version, "the child reads the version the last check found");
            // Every other kill at any moment of the loop; the others a few milliseconds after a write begins, so
            // that many land inside one (checksum, temporary file, flush, rename) however busy the machine is.
            if (i % 2 == 1)
                await host.WaitForLineAsync(l => l.StartsWith("writing ", StringComparison.Ordinal));
            await Task.Delay(i % 2 == 1 ? random.Next(0, 40) : random.Next(0, 250));
            host.Kill().Should().BeTrue($"the writer runs until killed.{host.Describe()}");
            kills++;

            // Every line printed before the kill has been read once the process is gone. "wrote V" follows the
            // rename of version V of both files, so the checkpoint holds V, or V + 1 if the kill fell between its
            // rename and the line. The report is written after the checkpoint (a restarted writer continues from
            // the checkpoint's version), so it may lag behind it, but it never goes back.
            long wrote = host.Seen.Where(l => l.StartsWith("wrote ", StringComparison.Ordinal))
                .Select(l => long.Parse(l["wrote ".Length..])).DefaultIfEmpty(0).Max();
            long acknowledged = Math.Max(version, wrote);
            var readBlob = () => WriteLoop.ReadBlobVersion(blob);
            long blobOnDisk = readBlob.Should().NotThrow($"kill {kills}: the checkpoint must be a complete version").Subject ?? 0;
            blobOnDisk.Should().BeOneOf(new[] { acknowledged, acknowledged + 1 }, $"kill {kills}: previous or new checkpoint");
            var readReport = () => WriteLoop.ReadReportVersion(report);
            long reportOnDisk = readReport.Should().NotThrow($"kill {kills}: the report must be complete JSON").Subject ?? 0;
            reportOnDisk.Should().BeInRange(Math.Max(reportVersion, wrote), blobOnDisk,
                $"kill {kills}: the report holds the last one written, or the one being written after the checkpoint");

            int temps = Directory.GetFiles(folder.Path, "*.tmp").Length;
            if (temps > 0)
                killedMidWrite++;
            maxTempFiles = Math.Max(maxTempFiles, temps);
            temps.Should().BeLessThanOrEqualTo(2, "a restarted writer removes the temporary files of the killed one (one per target at most remains)");
            version = blobOnDisk;
            reportVersion = reportOnDisk;
        }

        // A writer that ends normally leaves nothing behind, whatever the kills left.
        using (var last = HostProcess.Start(settings with { Writes = 1 }))
            (await last.WaitForExitAsync()).Should().Be(0, last.Describe());
        WriteLoop.ReadBlobVersion(blob).Should().Be(version + 1);
        WriteLoop.ReadReportVersion(report).Should().Be(version + 1);
        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Should().BeEquivalentTo(new[] { WriteLoop.BlobName, WriteLoop.ReportName });

        output.WriteLine($"{kills} kills, {version} versions completed between them, {killedMidWrite} kills left a temporary file " +
                         $"(at most {maxTempFiles} at once), none left a partial or damaged target");
        killedMidWrite.Should().BePositive("some kills must land inside a write, or this test proves nothing");
    }
}
