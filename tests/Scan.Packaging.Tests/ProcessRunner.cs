using System.Diagnostics;
using System.Text;

namespace Scan.Packaging.Tests;

/// <summary>The output of one finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Output)
{
    /// <summary>Command, exit code and output, for an assertion message that shows why a step failed.</summary>
    public string Describe(string command) => $"`{command}` exited with {ExitCode}:\n{Output}";
}

/// <summary>Runs the .NET CLI the way a user's shell would, with the host's MSBuild settings removed.</summary>
internal static class ProcessRunner
{
    // Restoring TorchSharp-cpu and building a consumer from a cold cache takes minutes on a 2-core machine.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The dotnet executable that runs these tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static ProcessResult RunDotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // `dotnet test` runs us inside an MSBuild-launched host whose variables (MSBuildSDKsPath, MSBUILD_EXE_PATH,
        // MSBuildExtensionsPath...) would steer the child build; a user's shell has none of them.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
                return new ProcessResult(-1, $"(killed after {Timeout.TotalMinutes} minutes)\n{output}");
        }
        process.WaitForExit(); // drains the redirected streams
        lock (output)
            return new ProcessResult(process.ExitCode, output.ToString());
    }
}
