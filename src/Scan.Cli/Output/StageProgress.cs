using Spectre.Console;

namespace Scan.Cli.Output;

/// <summary>Receives how far each named stage is (a fraction in [0, 1]) with a short status; called from training
/// and decoding threads.</summary>
internal interface IStageProgress
{
    void Report(string stage, double fraction, string status);
}

/// <summary>Runs work under the progress display that suits the output: Spectre.Console bars on a terminal, one plain
/// line per tenth of a stage otherwise.</summary>
internal static class StageProgress
{
    public static async Task<T> RunAsync<T>(IReadOnlyList<string> stages, Func<IStageProgress, Task<T>> work)
    {
        if (!CliConsole.Interactive)
            return await work(new PlainProgress(Console.Out));
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = stages.ToDictionary(s => s, s => context.AddTask(Markup.Escape(s), autoStart: false, maxValue: 1.0));
                var result = await work(new BarProgress(tasks));
                foreach (var task in tasks.Values.Where(t => t.IsStarted))
                {
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
                return result;
            });
    }

    /// <summary>Moves one bar per stage; only sets numbers, so it is safe from any thread.</summary>
    private sealed class BarProgress(Dictionary<string, ProgressTask> tasks) : IStageProgress
    {
        public void Report(string stage, double fraction, string status)
        {
            if (!tasks.TryGetValue(stage, out var task))
                return;
            if (!task.IsStarted)
                task.StartTask();
            task.Value = Math.Clamp(fraction, 0, 1);
            task.Description = Markup.Escape(status.Length == 0 ? stage : $"{stage} {status}");
        }
    }

    /// <summary>Prints a line when a stage starts and at each tenth it passes (at most 11 lines a stage).</summary>
    internal sealed class PlainProgress(TextWriter writer) : IStageProgress
    {
        private readonly Dictionary<string, int> _lastTenth = new();

        public void Report(string stage, double fraction, string status)
        {
            int tenth = (int)Math.Floor(Math.Clamp(fraction, 0, 1) * 10 + 1e-9);
            lock (_lastTenth)
            {
                if (_lastTenth.TryGetValue(stage, out int last) && tenth <= last)
                    return;
                _lastTenth[stage] = tenth;
                writer.WriteLine($"  {stage} {tenth * 10,3}%{(status.Length == 0 ? "" : "  " + status)}");
            }
        }
    }
}
