using System.Collections.Concurrent;
using Scan.ReliabilityHost;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Uninterrupted host runs, one per settings, shared by the reliability tests: the interrupted, cancelled and
/// repeated runs are all compared with the same reference, which costs one child process instead of one per test.
/// </summary>
internal static class ReferenceRuns
{
    /// <summary>The settings every reliability test runs with (see <see cref="TinyRun"/>); each test adds its run directory.</summary>
    public static HostSettings Tiny { get; } = new() { Seed = 11, PerClass = 64, PretextEpochs = 3, ClusteringEpochs = 3, SelfLabelEpochs = 3 };

    private static readonly ConcurrentDictionary<HostSettings, Lazy<Task<RunSummary>>> Runs = new();

    /// <summary>The summary of an uninterrupted child-process run with <paramref name="settings"/> in a fresh run directory.</summary>
    public static Task<RunSummary> Of(HostSettings settings) =>
        Runs.GetOrAdd(settings with { RunDirectory = null }, s => new Lazy<Task<RunSummary>>(() => RunAsync(s))).Value;

    private static async Task<RunSummary> RunAsync(HostSettings settings)
    {
        string run = Directory.CreateTempSubdirectory("scan-reference-").FullName;
        try
        {
            return await HostProcess.RunToEndAsync(settings with { RunDirectory = run });
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>Asserts field by field that two outcomes are identical, so a failure names what differs.</summary>
    public static void ShouldEqual(this RunOutcome actual, RunOutcome expected, string because)
    {
        actual.NeighborIndicesSha256.Should().Be(expected.NeighborIndicesSha256, $"neighbour indices: {because}");
        actual.NeighborSimilaritiesSha256.Should().Be(expected.NeighborSimilaritiesSha256, $"neighbour similarities: {because}");
        actual.SelectedHead.Should().Be(expected.SelectedHead, $"selected head: {because}");
        actual.Assignments.Should().Equal(expected.Assignments, $"assignments: {because}");
        actual.ConfidencesSha256.Should().Be(expected.ConfidencesSha256, $"confidences: {because}");
        actual.ModelSha256.Should().Be(expected.ModelSha256, $"final weights: {because}");
        actual.Stages.Should().BeEquivalentTo(expected.Stages, o => o.WithStrictOrdering(), $"stage figures and per-epoch metrics: {because}");
        actual.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering(), because);
    }

    /// <summary>The summary's outcome in one line for the test log.</summary>
    public static void Log(this ITestOutputHelper output, string name, RunSummary summary) =>
        output.WriteLine($"{name}: pid {summary.ProcessId}, {summary.Threads} threads, {summary.Seconds:F1} s, loaded [{string.Join(", ", summary.LoadedStages)}], " +
                         $"ACC {summary.Outcome.Accuracy:F4} NMI {summary.Outcome.Nmi:F4} ARI {summary.Outcome.Ari:F4}, head {summary.Outcome.SelectedHead}, " +
                         $"neighbours {summary.Outcome.NeighborIndicesSha256[..12]}, model {summary.Outcome.ModelSha256[..12]}");
}
