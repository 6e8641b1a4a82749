using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Collections.Concurrent;
using Scan.Core.IO;
using Scan.ReliabilityHost;

namespace Scan.Tests.Reliability;

/// <summary>
/// One run of tests/Scan.ReliabilityHost as a child process: its stdout lines as they arrive, killed with SIGKILL
/// (<see cref="Process.Kill(bool)"/> on Linux) or awaited to the end. Its stdout is read on a thread of its own, and
/// <see cref="KillAfterAsync"/> waits and kills on another, never on the thread pool: under a loaded test run the pool
/// can be starved for seconds, and a kill meant for the end of a stage then lands after the host has finished.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromMinutes(2);
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly Thread _reader;
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _seen = new();

    private HostProcess(HostSettings settings, string? shell)
    {
        var start = new ProcessStartInfo(shell is null ? Dotnet : "/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (shell is not null)
        {
            // bash -c 'SHELL; exec "$@"' host dotnet Host.dll ...: the commands change the process (limits,
            // signal dispositions), which exec hands on to the host.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(shell + "; exec \"$@\"");
            start.ArgumentList.Add("host");
            start.ArgumentList.Add(Dotnet);
        }
        start.ArgumentList.Add(HostDll);
        foreach (string argument in settings.ToArguments())
            start.ArgumentList.Add(argument);
        // What tests/test.runsettings gives the test process, so the child's libtorch runs like the in-process tests.
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        start.Environment["MALLOC_ARENA_MAX"] = "1";
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.Start();
        _process.BeginErrorReadLine();
        _reader = new Thread(ReadOutput) { IsBackground = true, Name = "host stdout" };
        _reader.Start();
    }

    private void ReadOutput()
    {
        try
        {
            while (_process.StandardOutput.ReadLine() is { } line)
                _lines.Add(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process was disposed while its output was being read: no more lines.
        }
        finally
        {
            _lines.CompleteAdding();
        }
    }

    /// <summary>Starts the host with <paramref name="settings"/>; with <paramref name="shell"/>, bash runs those commands
    /// first and then execs the host (e.g. <c>ulimit -f 100</c>).</summary>
    public static HostProcess Start(HostSettings settings, string? shell = null) => new(settings, shell);

    /// <summary>Everything the host wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>The host's dll, copied next to the test binaries by the project reference.</summary>
    public static string HostDll { get; } = Path.Combine(AppContext.BaseDirectory, "Scan.ReliabilityHost.dll");

    /// <summary>The dotnet executable running these tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public int Id => _process.Id;

    /// <summary>Every stdout line read so far (all of them after <see cref="Kill"/>).</summary>
    public IReadOnlyList<string> Seen => _seen;

    /// <summary>The next stdout line, or null once the process closed its output; blocks the calling thread.</summary>
    private string? NextLine()
    {
        // TryTake returns false at once on a completed, empty collection, and after the timeout otherwise.
        if (!_lines.TryTake(out string? line, LineTimeout))
        {
            if (_lines.IsCompleted)
                return null;
            throw new TimeoutException($"The host printed nothing for {LineTimeout.TotalMinutes} minutes.{Describe()}");
        }
        _seen.Add(line);
        return line;
    }

    private string? WaitForLine(Func<string, bool> match)
    {
        while (NextLine() is { } line)
        {
            if (match(line))
                return line;
        }
        return null;
    }

    /// <summary>The next stdout line, or null once the process closed its output.</summary>
    public Task<string?> NextLineAsync() => OnOwnThread(NextLine);

    /// <summary>Reads lines until one satisfies <paramref name="match"/>; null if the output ends first.</summary>
    public Task<string?> WaitForLineAsync(Func<string, bool> match) => OnOwnThread(() => WaitForLine(match));

    /// <summary>
    /// Waits for a line satisfying <paramref name="match"/>, then <paramref name="delayMilliseconds"/>, then kills the
    /// host, all on one dedicated thread so that the delay is measured from the moment the line was printed (give or
    /// take the pipe) rather than from whenever the thread pool got round to it.
    /// </summary>
    /// <returns>The matching line (null if the output ended first) and whether the kill found the process alive.</returns>
    public Task<(string? Reached, bool Killed)> KillAfterAsync(Func<string, bool> match, int delayMilliseconds) => OnOwnThread(() =>
    {
        string? reached = WaitForLine(match);
        if (reached is null)
            return (reached, false);
        Thread.Sleep(delayMilliseconds);
        return (reached, Kill());
    });

    private static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// SIGKILL (on Windows TerminateProcess): no finally blocks, no flushing, no disposal in the child. Then every
    /// line the child printed before dying is in <see cref="Seen"/>.
    /// </summary>
    /// <returns>False if the process had already exited.</returns>
    public bool Kill()
    {
        bool killed = !_process.HasExited;
        if (killed)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _reader.Join();   // the output ends with the process: every line it printed is now queued
        while (_lines.TryTake(out string? line))
            _seen.Add(line);
        return killed;
    }

    /// <summary>Reads the remaining output and waits for the exit; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        while (await NextLineAsync() is not null)
        {
        }
        using var timeout = new CancellationTokenSource(LineTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Runs the host to the end and parses its <c>summary</c> line.</summary>
    public static async Task<RunSummary> RunToEndAsync(HostSettings settings)
    {
        using var host = Start(settings);
        int exit = await host.WaitForExitAsync();
        exit.Should().Be(0, $"the host must finish.{host.Describe()}");
        return host.Summary();
    }

    /// <summary>The parsed <c>summary</c> line.</summary>
    public RunSummary Summary()
    {
        string line = _seen.LastOrDefault(l => l.StartsWith("summary ", StringComparison.Ordinal))
                      ?? throw new InvalidOperationException($"The host printed no summary.{Describe()}");
        return JsonSerializer.Deserialize<RunSummary>(line["summary ".Length..], ScanJson.Options)!;
    }

    /// <summary>The command, the last lines and stderr, for assertion messages.</summary>
    public string Describe()
    {
        string err;
        lock (_stderr)
            err = _stderr.ToString();
        return $"\n  host: {HostDll} {string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))}\n  last lines: " +
               $"{string.Join(" | ", _seen.TakeLast(5))}\n  stderr: {err}";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        // The reader ends with the process's output; the collection is left to the collector, since a reader
        // still draining a dead process's pipe must be able to complete it.
        _reader.Join(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
