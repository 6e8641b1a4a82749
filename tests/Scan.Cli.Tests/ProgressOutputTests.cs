using Scan.Cli.Output;
using Scan.Core.Training;
using Scan.Samples;

namespace Scan.Cli.Tests;

/// <summary>
/// On a redirected output (a log file, a pipe) progress is a few plain lines, not every refresh of a bar: the tool's
/// printer and the samples' (samples/Shared/ProgressLines.cs, compiled into this project) fed the reports of a run.
/// </summary>
public sealed class ProgressOutputTests
{
    private static readonly Dictionary<string, double> Loss = new() { ["loss"] = 1.25 };

    /// <summary>Every step and epoch-end report a stage of <paramref name="epochs"/> x <paramref name="steps"/> sends.</summary>
    private static IEnumerable<ScanProgress> Reports(ScanStage stage, int epochs, int steps)
    {
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            for (int step = 1; step <= steps; step++)
                yield return new ScanProgress(stage, epoch, epochs, step, steps, Loss, 100, TimeSpan.FromSeconds(epoch), null, false);
            yield return new ScanProgress(stage, epoch, epochs, steps, steps, Loss, 100, TimeSpan.FromSeconds(epoch), null, true);
        }
    }

    private static List<string> Lines(StringWriter writer) =>
        writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    [Theory]
    [InlineData(3, 3)]
    [InlineData(10, 10)]
    [InlineData(25, 10)]
    [InlineData(200, 10)]
    public void Samples_print_one_line_per_epoch_or_tenth_of_the_epochs(int epochs, int expected)
    {
        var writer = new StringWriter();
        var progress = new ProgressLines(writer);
        foreach (var report in Reports(ScanStage.Pretext, epochs, steps: 37))
            progress.Report(report);
        var lines = Lines(writer);
        lines.Should().HaveCount(expected, string.Join('\n', lines));
        lines.Should().OnlyContain(l => l.StartsWith("  Pretext epoch ") && l.Contains("loss 1.250"));
        lines[^1].Should().StartWith($"  Pretext epoch {epochs}/{epochs}", "the last epoch is always printed");
    }

    [Fact]
    public void Samples_print_a_one_epoch_stage_at_each_tenth_of_its_steps()
    {
        var writer = new StringWriter();
        var progress = new ProgressLines(writer);
        // Mining reports every batch of images embedded (epoch 1 of 1, step = images done): 1000 reports.
        for (int done = 1; done <= 1000; done++)
            progress.Report(new ScanProgress(ScanStage.Mining, 1, 1, done, 1000, new Dictionary<string, double>(), 0, TimeSpan.Zero, null, false));
        var lines = Lines(writer);
        lines.Should().Equal(Enumerable.Range(1, 10).Select(t => $"  Mining {t * 10}% (0 s)"));
    }

    [Fact]
    public void Samples_print_each_stage_separately_and_nothing_twice_from_several_threads()
    {
        var writer = new StringWriter();
        var progress = new ProgressLines(writer);
        var reports = Reports(ScanStage.Clustering, 50, 20).Concat(Reports(ScanStage.SelfLabeling, 4, 20)).ToList();
        Parallel.ForEach(reports, new ParallelOptions { MaxDegreeOfParallelism = 4 }, progress.Report);
        var lines = Lines(writer);
        lines.Count(l => l.StartsWith("  Clustering epoch ")).Should().BeInRange(1, 10);
        lines.Count(l => l.StartsWith("  SelfLabeling epoch ")).Should().BeInRange(1, 4);
        lines.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void The_tool_prints_at_most_eleven_lines_a_stage_in_order()
    {
        var writer = new StringWriter();
        var progress = new StageProgress.PlainProgress(writer);
        for (int i = 0; i <= 5000; i++)
            progress.Report("Pretext", i / 5000.0, $"epoch {1 + i / 100}/51");
        for (int i = 0; i <= 7; i++)
            progress.Report("Decoding", i / 7.0, "");
        var lines = Lines(writer);
        var pretext = lines.Where(l => l.StartsWith("  Pretext")).ToList();
        pretext.Should().HaveCount(11, "the start and each tenth");
        pretext.Select(l => int.Parse(l.Split('%')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]))
            .Should().Equal(Enumerable.Range(0, 11).Select(t => t * 10));
        lines.Where(l => l.StartsWith("  Decoding")).Should().HaveCountLessThanOrEqualTo(8);
        lines.Should().NotContain(l => l.Contains('\u001b'), "no escape codes");
    }
}
