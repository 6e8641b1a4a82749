using System.Globalization;
using System.Security.Cryptography;
using Scan.Core.Inference;
using Scan.Core.IO;
using Scan.Core.Mining;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Tests.Data;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// The pipeline host is SIGKILLed at random points of every stage and restarted on the same run directory each
/// time; finished stages must survive every kill unchanged and the last restart must end exactly where an
/// uninterrupted run with the same seed ends.
/// </summary>
public sealed class InterruptionKillTests(ITestOutputHelper output)
{
    /// <summary>Where to kill: once the host reports (stage, epoch, step) or later, after a random extra delay.</summary>
    private sealed record KillPoint(ScanStage Stage, int Epoch, int Step, int DelayMilliseconds);

    [Fact]
    public async Task A_run_killed_at_random_points_of_every_stage_resumes_to_the_uninterrupted_result()
    {
        int seed = RandomSeed();
        output.WriteLine($"kill plan seed {seed} (set SCAN_RELIABILITY_SEED to replay it)");
        var random = new Random(seed);
        var reference = ReferenceRuns.Of(ReferenceRuns.Tiny);

        // Epochs have 4 steps (256 images, batch 64) and every stage runs 3 epochs. A point in epoch 2 or 3 leaves a
        // checkpoint to resume from; the last step of a stage plus a delay lands in the saving of its model and
        // report; mining reports once, so its delay spreads the kill over mining, saving and the next stage's start.
        var plan = new[]
        {
            new KillPoint(ScanStage.Pretext, 1, random.Next(1, 5), random.Next(0, 150)),
            new KillPoint(ScanStage.Pretext, 2, random.Next(1, 5), random.Next(0, 150)),
            new KillPoint(ScanStage.Pretext, 3, 4, random.Next(0, 400)),
            new KillPoint(ScanStage.Mining, 1, 1, random.Next(0, 400)),
            new KillPoint(ScanStage.Clustering, 2, random.Next(1, 5), random.Next(0, 150)),
            new KillPoint(ScanStage.Clustering, 3, 4, random.Next(0, 500)),
            new KillPoint(ScanStage.SelfLabeling, 2, random.Next(1, 5), random.Next(0, 150)),
            new KillPoint(ScanStage.SelfLabeling, 3, 4, random.Next(0, 500)),
        };

        plan.Should().HaveCount(ReliabilityCaseCounts.KillPoints, "RELIABILITY.md quotes this count");
        output.WriteLine($"{plan.Length} kill points planned, at least {ReliabilityCaseCounts.KillsRequired} must land");

        using var run = new TempFolder();
        var settings = ReferenceRuns.Tiny with { RunDirectory = run.Path, Progress = true };
        var finished = new Dictionary<string, (string Report, string Output)>();
        int kills = 0, killsLeavingTempFiles = 0;
        foreach (var point in plan)
        {
            using var host = HostProcess.Start(settings);
            var (reached, killed) = await host.KillAfterAsync(line => Reached(line, point), point.DelayMilliseconds);
            if (reached is null)
            {
                (await host.WaitForExitAsync()).Should().Be(0, $"the host may only end early by finishing.{host.Describe()}");
                output.WriteLine($"{point}: the host finished before reaching it");
                break;
            }
            if (!killed)
            {
                output.WriteLine($"{point}: the host exited before the kill");
                continue;
            }
            kills++;
            string last = host.Seen[^1];   // the last line the host printed before it died
            var temps = TempFiles(run.Path);
            if (temps.Length > 0)
                killsLeavingTempFiles++;
            output.WriteLine($"kill {kills} at {point}: last line '{last}', completed stages [{string.Join(", ", Completed(run.Path))}], " +
                             $"temp files {temps.Length}");
            CheckRunDirectory(run.Path, finished);
        }

        var resumed = await HostProcess.RunToEndAsync(settings);
        CheckRunDirectory(run.Path, finished);
        var expected = await reference;
        output.Log("uninterrupted", expected);
        output.Log("killed and resumed", resumed);
        output.WriteLine($"{kills} kills, {killsLeavingTempFiles} of them left a temporary file behind");

        kills.Should().BeGreaterThanOrEqualTo(ReliabilityCaseCounts.KillsRequired, "the plan kills the host in every stage");
        resumed.Outcome.ShouldEqual(expected.Outcome, $"a run killed {kills} times must end like the uninterrupted one");
        TempFiles(run.Path).Should().BeEmpty("temporary files of killed writers are removed when their target is written again");
    }

    /// <summary>Whether a <c>progress Stage epoch step steps done</c> line is at or past <paramref name="point"/>.</summary>
    private static bool Reached(string line, KillPoint point)
    {
        string[] f = line.Split(' ');
        if (f.Length < 6 || f[0] != "progress")
            return false;
        var stage = Enum.Parse<ScanStage>(f[1]);
        int epoch = int.Parse(f[2], CultureInfo.InvariantCulture), step = int.Parse(f[3], CultureInfo.InvariantCulture);
        return stage > point.Stage || (stage == point.Stage && (epoch, step).CompareTo((point.Epoch, point.Step)) >= 0);
    }

    /// <summary>
    /// Every stage whose report exists must load, and must be byte for byte what it was when first seen finished:
    /// a kill may lose the stage in progress, never an earlier one. Checkpoints, when present, must verify.
    /// </summary>
    private static void CheckRunDirectory(string run, Dictionary<string, (string Report, string Output)> finished)
    {
        foreach (var (folder, output) in StageOutputs)
        {
            string report = Path.Combine(run, folder, "report.json");
            string file = Path.Combine(run, folder, output);
            if (!File.Exists(report))
            {
                finished.Should().NotContainKey(folder, $"the finished {folder} stage must not be lost");
                continue;
            }
            var parsed = System.Text.Json.JsonSerializer.Deserialize<StageReport>(File.ReadAllText(report), ScanJson.Options);
            parsed.Should().NotBeNull();
            Load(folder, file);
            var hashes = (Hash(report), Hash(file));
            if (finished.TryGetValue(folder, out var before))
                hashes.Should().Be(before, $"the finished {folder} stage's report and output must not change");
            else
                finished[folder] = hashes;
        }
        foreach (string checkpoint in Directory.EnumerateFiles(run, "checkpoint.scan", SearchOption.AllDirectories))
            ScanFile.Read(checkpoint, "checkpoint", 1).Should().NotBeEmpty();
        if (File.Exists(Path.Combine(run, "metrics.json")))
            ScanModel.Load(Path.Combine(run, "model.scan")).Dispose();
    }

    private static readonly (string Folder, string Output)[] StageOutputs =
    {
        ("pretext", "contrastive.scan"), ("mining", "neighbors.scan"), ("clustering", "model.scan"), ("selflabel", "model.scan"),
    };

    private static void Load(string folder, string file)
    {
        switch (folder)
        {
            case "pretext":
                ScanFile.Read(file, "contrastive-model", 1);
                break;
            case "mining":
                NeighborSet.Load(file);
                break;
            default:
                ScanModel.Load(file).Dispose();
                break;
        }
    }

    private static IEnumerable<string> Completed(string run) =>
        StageOutputs.Where(s => File.Exists(Path.Combine(run, s.Folder, "report.json"))).Select(s => s.Folder);

    private static string[] TempFiles(string run) => Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories);

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>A new kill plan every run (the timing varies anyway), replayable through SCAN_RELIABILITY_SEED.</summary>
    internal static int RandomSeed() =>
        int.TryParse(Environment.GetEnvironmentVariable("SCAN_RELIABILITY_SEED"), CultureInfo.InvariantCulture, out int seed)
            ? seed
            : Random.Shared.Next();
}
