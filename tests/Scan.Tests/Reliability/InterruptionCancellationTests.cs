using Scan.Core.Training;
using Scan.ReliabilityHost;
using Scan.Tests.Data;
using Scan.Tests.Stages;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Cancelling the pipeline's token in the middle of each stage leaves a run directory the next run resumes, and the
/// run ends exactly where an uninterrupted one (in a child process) ends. In process, so it shares the training
/// collection (nothing else trains in this process meanwhile).
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class InterruptionCancellationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_cancelled_in_every_stage_resumes_to_the_uninterrupted_result()
    {
        var reference = ReferenceRuns.Of(ReferenceRuns.Tiny);
        using var run = new TempFolder();
        var settings = ReferenceRuns.Tiny with { RunDirectory = run.Path };

        // (stage, epoch, step) at which to cancel; the stage must then be unfinished and every earlier one finished.
        var points = new (ScanStage Stage, int Epoch, int Step, string[] Finished)[]
        {
            (ScanStage.Pretext, 2, 2, Array.Empty<string>()),
            (ScanStage.Mining, 1, 1, new[] { "pretext" }),
            (ScanStage.Clustering, 2, 3, new[] { "pretext", "mining" }),
            (ScanStage.SelfLabeling, 3, 1, new[] { "pretext", "mining", "clustering" }),
        };
        foreach (var point in points)
        {
            using var cts = new CancellationTokenSource();
            var probe = new CancelAt(point.Stage, point.Epoch, point.Step, cts);
            var act = () => TinyRun.RunAsync(settings, probe, cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>($"cancelled at {point}");
            var finished = new[] { "pretext", "mining", "clustering", "selflabel" }
                .Where(s => File.Exists(Path.Combine(run.Path, s, "report.json"))).ToArray();
            output.WriteLine($"cancelled at {point.Stage} {point.Epoch}.{point.Step} (last report {probe.Last}); finished: [{string.Join(", ", finished)}]");
            // Mining reports once, after embedding; the cancel may take effect only once mining has finished.
            if (point.Stage == ScanStage.Mining)
                finished.Should().StartWith(point.Finished);
            else
                finished.Should().Equal(point.Finished, "a cancelled stage must not look finished, and earlier stages must stay");
        }

        var resumed = await TinyRun.RunAsync(settings);
        var expected = await reference;
        output.Log("uninterrupted (child process)", expected);
        output.Log("cancelled 4 times and resumed (in process)", resumed);
        resumed.LoadedStages.Should().Equal("Pretext", "Mining", "Clustering");
        resumed.Outcome.ShouldEqual(expected.Outcome, "a run cancelled in every stage must end like the uninterrupted one");
    }

    /// <summary>Cancels the token once the pipeline reports (stage, epoch, step) or later.</summary>
    private sealed class CancelAt(ScanStage stage, int epoch, int step, CancellationTokenSource cts) : IProgress<ScanProgress>
    {
        public string Last { get; private set; } = "";

        public void Report(ScanProgress value)
        {
            Last = $"{value.Stage} {value.Epoch}.{value.Step}";
            if (value.Stage > stage || (value.Stage == stage && (value.Epoch, value.Step).CompareTo((epoch, step)) >= 0))
                cts.Cancel();
        }
    }
}
