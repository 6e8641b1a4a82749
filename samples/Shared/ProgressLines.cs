using Scan.Core.Training;

namespace Scan.Samples;

/// <summary>
/// Progress as plain lines, for a log file or a pipe (Console.IsOutputRedirected) where a progress bar would print
/// every refresh as a new line: a stage of several epochs prints one line per finished epoch, or per tenth of its
/// epochs when it has more than ten (and always its last); a stage of one epoch (mining) prints one line per tenth
/// of its steps. So no stage prints more than ten lines. Reports may come from several threads.
/// One copy, compiled into every sample by samples/Directory.Build.props.
/// </summary>
internal sealed class ProgressLines(TextWriter writer) : IProgress<ScanProgress>
{
    private readonly Dictionary<ScanStage, int> _printed = new();

    public void Report(ScanProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // The mark of a report: the epoch's tenth for multi-epoch stages (reported once the epoch is done), the
        // step's tenth for a single-epoch stage. A line is printed when the mark moves past the last one printed.
        int mark;
        if (value.TotalEpochs > 1)
        {
            if (!value.EpochCompleted)
                return;
            mark = value.TotalEpochs <= 10 ? value.Epoch : value.Epoch * 10 / value.TotalEpochs;
        }
        else
        {
            mark = (int)Math.Floor(value.Fraction * 10 + 1e-9);
        }
        if (mark <= 0)
            return;
        lock (_printed)
        {
            if (_printed.TryGetValue(value.Stage, out int last) && mark <= last)
                return;
            _printed[value.Stage] = mark;
            writer.WriteLine(Line(value));
        }
    }

    private static string Line(ScanProgress value)
    {
        string loss = value.Metrics.TryGetValue("loss", out double l) ? FormattableString.Invariant($", loss {l:0.000}") : "";
        string where = value.TotalEpochs > 1 ? $"epoch {value.Epoch}/{value.TotalEpochs}" : FormattableString.Invariant($"{value.Fraction * 100:0}%");
        return FormattableString.Invariant($"  {value.Stage} {where}{loss} ({value.Elapsed.TotalSeconds:F0} s)");
    }
}
