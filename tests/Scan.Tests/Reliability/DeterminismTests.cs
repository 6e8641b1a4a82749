using Scan.Tests.Data;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>Same seed and options in two separate processes give the same run, bit for bit, on the CPU.</summary>
public sealed class DeterminismTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_with_the_same_seed_and_options_mine_the_same_neighbours_and_end_with_the_same_assignments_and_metrics()
    {
        var first = await ReferenceRuns.Of(ReferenceRuns.Tiny);
        using var run = new TempFolder();
        var second = await HostProcess.RunToEndAsync(ReferenceRuns.Tiny with { RunDirectory = run.Path });
        output.Log("first process", first);
        output.Log("second process", second);

        second.ProcessId.Should().NotBe(first.ProcessId);
        second.LoadedStages.Should().BeEmpty("the second run trains every stage itself");
        second.Threads.Should().Be(first.Threads);
        second.Outcome.ShouldEqual(first.Outcome, "a second process with the same seed and options must reproduce the first");
    }
}
