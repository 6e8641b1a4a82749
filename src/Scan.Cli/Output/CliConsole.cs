using Spectre.Console;

namespace Scan.Cli.Output;

/// <summary>
/// Where the tool writes. On a terminal: Spectre.Console markup, tables and progress bars. When standard output is
/// redirected (a log file, a pipe, CI): plain lines without escape codes, and progress as one line per tenth of a
/// stage, so a log stays readable instead of holding every refresh of a bar.
/// </summary>
internal static class CliConsole
{
    /// <summary>True when standard output is a terminal, or SCAN_CLI_FANCY=1 forces the terminal output.</summary>
    public static bool Interactive { get; } =
        Environment.GetEnvironmentVariable("SCAN_CLI_FANCY") == "1" ||
        (!Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    public static void Line(string text = "")
    {
        if (Interactive)
            AnsiConsole.WriteLine(text);
        else
            Console.Out.WriteLine(text);
    }

    /// <summary>A heading line: bold on a terminal.</summary>
    public static void Heading(string text)
    {
        if (Interactive)
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(text)}[/]");
        else
            Console.Out.WriteLine(text);
    }

    public static void Warning(string text)
    {
        if (Interactive)
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(text)}[/]");
        else
            Console.Out.WriteLine(text);
    }

    /// <summary>"Error: ..." on standard error, always plain (scripts read it).</summary>
    public static void Error(string text) => Console.Error.WriteLine("Error: " + text);

    /// <summary>A table: Spectre's on a terminal, aligned columns otherwise.</summary>
    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        if (Interactive)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (string header in headers)
                table.AddColumn(Markup.Escape(header));
            foreach (var row in all)
                table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        Console.Out.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
            Console.Out.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }
}
