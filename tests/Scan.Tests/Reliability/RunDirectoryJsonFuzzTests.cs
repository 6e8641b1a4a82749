using System.Text.Json;
using Scan.Core.Clustering;
using Scan.Core.IO;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged options.json and report.json of a run directory, the JSON files a resumed pipeline reads back to decide
/// which stages are finished and whether the options match. They carry a format version and a SHA-256
/// (<see cref="ChecksummedJson"/>): a damaged file must be rejected with <see cref="InvalidDataException"/> naming it,
/// and a mutant may load only when it means the same (whitespace).
/// </summary>
public sealed class RunDirectoryJsonFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Damaged_stage_reports_are_rejected_naming_the_file()
    {
        var runs = new RunDirectory(_folder.Path);
        var report = new ClusteringStageReport
        {
            Stage = ScanStage.Clustering, Seconds = 12.5,
            History = [new EpochRecord(1, new Dictionary<string, double> { ["loss"] = 0.25, ["entropy"] = 2.1 }, 6.2, 1800)],
            SelectedHead = 3,
            Heads = [new HeadLoss(3, double.NaN, 1.5, 2.25) { ClusterSizes = [4, 5] }],
        };
        runs.WriteReport(report);
        string path = Path.Combine(_folder.Path, "clustering", "report.json");
        string expected = JsonSerializer.Serialize<StageReport>(report, ScanJson.Options);
        runs.ReadReport(ScanStage.Clustering).Should().BeEquivalentTo(report, o => o.RespectingRuntimeTypes().ComparingByMembers<StageReport>().ComparingByMembers<ClusteringStageReport>());

        var fuzzer = new LoaderFuzzer("RunDirectory.ReadReport (report.json)", output, typeof(InvalidDataException));
        fuzzer.Run(ReliabilityCaseCounts.RunReportMutants, new Mutator(1001), File.ReadAllBytes(path), path,
            () => JsonSerializer.Serialize(runs.ReadReport(ScanStage.Clustering), ScanJson.Options).Should().Be(expected));
        fuzzer.Finish(ReliabilityCaseCounts.RunReportMutants);
    }

    [Fact]
    public void Damaged_options_files_are_rejected_naming_the_file()
    {
        var runs = new RunDirectory(_folder.Path);
        var options = new ScanOptions { Seed = 7 };
        runs.ClaimFor(options);
        string path = Path.Combine(_folder.Path, "options.json");

        var fuzzer = new LoaderFuzzer("RunDirectory.ClaimFor (options.json)", output, typeof(InvalidDataException));
        fuzzer.Run(ReliabilityCaseCounts.RunOptionsMutants, new Mutator(1002), File.ReadAllBytes(path), path, () => runs.ClaimFor(options));
        fuzzer.Finish(ReliabilityCaseCounts.RunOptionsMutants);
    }

    [Fact]
    public void A_report_with_a_changed_figure_is_named_as_damaged()
    {
        // A figure changed by one digit is valid JSON and a valid report: only the checksum can tell.
        var runs = new RunDirectory(_folder.Path);
        runs.WriteReport(new MiningStageReport { Stage = ScanStage.Mining, Seconds = 3, NeighborPurity = 0.75 });
        string path = Path.Combine(_folder.Path, "mining", "report.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("0.75", "0.95"));

        var act = () => runs.ReadReport(ScanStage.Mining);

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*SHA-256*damaged*");
    }
}
