using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Scan.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>Runs the built `scan` tool (its own bin folder) with `dotnet`, output redirected, as a script would.</summary>
internal static class CliProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static string ToolPath { get; } = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ScanCliPath").Value!;

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static CliRun Run(params string[] arguments)
    {
        File.Exists(ToolPath).Should().BeTrue($"the tool is built at {ToolPath}");
        var start = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        start.Environment["MALLOC_ARENA_MAX"] = "1";
        start.Environment.Remove("SCAN_CLI_FANCY");

        var output = new StringBuilder();
        var error = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`scan {string.Join(' ', arguments)}` did not finish in {Timeout}:\n{output}\n{error}");
        }
        process.WaitForExit();
        lock (output)
            lock (error)
                return new CliRun(process.ExitCode, output.ToString(), error.ToString());
    }
}
