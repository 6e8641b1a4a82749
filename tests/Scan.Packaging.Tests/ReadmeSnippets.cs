using System.Text;
using System.Text.RegularExpressions;

namespace Scan.Packaging.Tests;

/// <summary>One ```csharp block of README.md: where it starts, whether it is run, its using directives and its body.</summary>
/// <param name="Number">1-based position among the README's C# blocks.</param>
/// <param name="Line">1-based README line of the block's first code line.</param>
/// <param name="Run">True for <c>&lt;!-- snippet: run --&gt;</c>, false for <c>&lt;!-- snippet: compile-only (why) --&gt;</c>.</param>
public sealed record ReadmeSnippet(int Number, int Line, bool Run, IReadOnlyList<string> Usings, IReadOnlyList<(int Line, string Text)> Body)
{
    public string ClassName => $"Snippet{Number}";

    /// <summary>
    /// The block as a C# file: its using directives at the top and its statements in an async method, with #line
    /// directives so that a compile error names the README line.
    /// </summary>
    public string ToSource()
    {
        var text = new StringBuilder();
        text.AppendLine($"// README.md, C# block {Number} (line {Line}).");
        foreach (string directive in Usings)
            text.AppendLine(directive);
        text.AppendLine("namespace ReadmeSnippets;");
        text.AppendLine($"internal static class {ClassName}");
        text.AppendLine("{");
        text.AppendLine("    public static async Task RunAsync()");
        text.AppendLine("    {");
        foreach (var (line, code) in Body)
        {
            text.AppendLine($"#line {line} \"README.md\"");
            text.AppendLine(code);
        }
        text.AppendLine("#line default");
        text.AppendLine("        await Task.CompletedTask;");
        text.AppendLine("    }");
        text.AppendLine("}");
        return text.ToString();
    }
}

/// <summary>Reads the C# blocks out of a Markdown file. Each must be preceded by a marker saying whether it runs.</summary>
public static partial class ReadmeSnippets
{
    public static IReadOnlyList<ReadmeSnippet> Parse(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
        var snippets = new List<ReadmeSnippet>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!CSharpFence().IsMatch(lines[i]))
                continue;
            int open = i;
            int previous = open - 1;
            while (previous >= 0 && lines[previous].Trim().Length == 0)
                previous--;
            var marker = previous >= 0 ? Marker().Match(lines[previous]) : Match.Empty;
            if (!marker.Success)
            {
                throw new InvalidDataException(
                    $"README.md line {open + 1}: a C# block needs '<!-- snippet: run -->' or '<!-- snippet: compile-only (why) -->' on the line before it.");
            }

            var usings = new List<string>();
            var body = new List<(int, string)>();
            for (i = open + 1; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
            {
                // Using directives (not `using var` declarations) go to the top of the file; everything else is a statement.
                if (UsingDirective().IsMatch(lines[i]))
                    usings.Add(lines[i].Trim());
                else
                    body.Add((i + 1, lines[i]));
            }
            if (i == lines.Length)
                throw new InvalidDataException($"README.md line {open + 1}: the C# block is never closed.");
            snippets.Add(new ReadmeSnippet(snippets.Count + 1, open + 2, marker.Groups["mode"].Value == "run", usings, body));
        }
        return snippets;
    }

    /// <summary>Program.cs of the consumer: runs the block whose number is the one argument.</summary>
    public static string ProgramSource(IEnumerable<ReadmeSnippet> snippets)
    {
        var text = new StringBuilder();
        text.AppendLine("switch (args.Length == 1 ? args[0] : \"\")");
        text.AppendLine("{");
        foreach (var snippet in snippets)
            text.AppendLine($"    case \"{snippet.Number}\": await ReadmeSnippets.{snippet.ClassName}.RunAsync(); return 0;");
        text.AppendLine("    default: Console.Error.WriteLine(\"usage: Consumer <README C# block number>\"); return 2;");
        text.AppendLine("}");
        return text.ToString();
    }

    [GeneratedRegex(@"^\s*```\s*(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CSharpFence();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<mode>run|compile-only)\b[^>]*-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();
}
