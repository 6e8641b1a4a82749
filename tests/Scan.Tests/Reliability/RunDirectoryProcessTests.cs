using Scan.Core.Pipeline;
using Scan.ReliabilityHost;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// A run directory shared by two processes, and one that cannot be written: a checkpoint write stopped by a
/// file-size limit (what a full disk does to a write, without filling the disk), and a read-only directory. Each
/// child is tests/Scan.ReliabilityHost running <see cref="ReferenceRuns.Tiny"/>.
/// Linux: the children are started through bash (ulimit, trap, unshare).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunDirectoryProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("scan-rundir-").FullName;

    public void Dispose()
    {
        Directory.Delete(_run, recursive: true);
    }

    private HostSettings Settings => ReferenceRuns.Tiny with { RunDirectory = _run, Progress = true };

    [Fact]
    public async Task A_run_directory_in_use_by_another_process_is_refused_in_both_directions()
    {
        int cases = 0;
        // A child process runs; this process is refused.
        using (var host = HostProcess.Start(Settings))
        {
            (await host.WaitForLineAsync(l => l.StartsWith("progress ", StringComparison.Ordinal)))
                .Should().NotBeNull($"the host must start training.{host.Describe()}");
            var here = () => TinyRun.RunAsync(Settings with { Progress = false });
            (await here.Should().ThrowAsync<InvalidOperationException>())
                .WithMessage($"*Run directory '{_run}' is in use by another run*");
            cases++;
            host.Kill();
        }

        // This process holds the folder; a child process is refused and exits with the same message.
        using (new RunDirectory(_run).Lock())
        {
            using var host = HostProcess.Start(Settings);
            int exit = await host.WaitForExitAsync();
            exit.Should().Be(1, $"the host must fail.{host.Describe()}");
            host.Stderr.Should().Contain($"Run directory '{_run}' is in use by another run");
            host.Seen.Should().NotContain(l => l.StartsWith("progress ", StringComparison.Ordinal), "it must not train");
            cases++;
        }

        // Once the holder is gone the folder is free again (the kernel drops a dead process's lock).
        using (new RunDirectory(_run).Lock())
            cases++;
        cases.Should().Be(ReliabilityCaseCounts.CrossProcessLockCases);
        output.WriteLine($"{cases} cross-process lock cases");
    }

    [Fact]
    public async Task A_checkpoint_write_past_the_file_size_limit_stops_naming_the_file_keeps_the_previous_checkpoint_and_resumes()
    {
        string checkpoint = Path.Combine(_run, "pretext", "checkpoint.scan");
        // 1. A run killed once its first pretext checkpoint is on disk.
        using (var host = HostProcess.Start(Settings))
        {
            (await host.WaitForLineAsync(l => l.StartsWith("progress Pretext 1 ", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal)))
                .Should().NotBeNull($"the host must finish pretext epoch 1.{host.Describe()}");
            host.Kill();
        }
        byte[] previous = File.ReadAllBytes(checkpoint);

        // 2. Resumed with files limited to half a checkpoint (RLIMIT_FSIZE; SIGXFSZ ignored, so write() fails with
        // EFBIG as on a full disk instead of killing the process): epoch 2's checkpoint cannot be written. The
        // runtime's W^X double mapping sizes a memory file past such a limit ("Out of memory" at start-up), so it is off.
        long blocks = previous.Length / 2 / 1024;
        using (var host = HostProcess.Start(Settings, $"export DOTNET_EnableWriteXorExecute=0; trap '' XFSZ; ulimit -f {blocks}"))
        {
            int exit = await host.WaitForExitAsync();
            output.WriteLine($"limited to {blocks} KiB: exit {exit}; {host.Stderr.Split('\n')[0]}");
            exit.Should().Be(1, $"the write must fail.{host.Describe()}");
            host.Stderr.Should().Contain($"System.IO.IOException: Could not write '{checkpoint}'").And.Contain("Its previous version is intact");
            host.Seen.Should().Contain(l => l.StartsWith("progress Pretext 2 ", StringComparison.Ordinal), "epoch 2 trained before its checkpoint failed");
        }
        File.ReadAllBytes(checkpoint).Should().Equal(previous, "the previous checkpoint must stay intact");
        Directory.EnumerateFiles(_run, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty("the failed writer removes its temporary file");

        // 3. With space back, the run resumes from epoch 1 and ends as an uninterrupted run does.
        var resumed = await HostProcess.RunToEndAsync(Settings with { Progress = false });
        var reference = await ReferenceRuns.Of(ReferenceRuns.Tiny);
        output.Log("reference", reference);
        output.Log("resumed", resumed);
        resumed.Outcome.ShouldEqual(reference.Outcome, "a run resumed after a failed checkpoint write");
    }

    [Fact]
    public async Task A_run_directory_that_cannot_be_written_fails_with_an_IOException_naming_it()
    {
        int cases = 0;
        // A read-only directory. Root writes through permission bits, so as root the child gets a read-only bind
        // mount of the folder in its own mount namespace; otherwise the folder loses its write permission.
        string? shell = null;
        if (Environment.IsPrivilegedProcess)
            shell = $"exec unshare -m /bin/bash -c 'mount --bind -o ro \"$0\" \"$0\" && exec \"$@\"' '{_run}' \"$@\"";
        else
            File.SetUnixFileMode(_run, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            using var host = HostProcess.Start(Settings, shell);
            int exit = await host.WaitForExitAsync();
            output.WriteLine($"read-only ({(shell is null ? "chmod 500" : "read-only bind mount")}): exit {exit}; {host.Stderr.Split('\n')[0]}");
            exit.Should().Be(1, $"the run must fail.{host.Describe()}");
            host.Stderr.Should().Contain($"System.IO.IOException: Run directory '{_run}' cannot be written");
            cases++;
        }
        finally
        {
            if (shell is null)
                File.SetUnixFileMode(_run, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A run.lock that cannot be opened for writing (here a folder of that name: EISDIR, which .NET reports as
        // UnauthorizedAccessException, as it does EACCES).
        Directory.CreateDirectory(Path.Combine(_run, "run.lock"));
        var act = () => new RunDirectory(_run).Lock();
        act.Should().Throw<IOException>().WithMessage($"Run directory '{_run}' cannot be written*run.lock*")
            .WithInnerException<UnauthorizedAccessException>();
        cases++;
        cases.Should().Be(ReliabilityCaseCounts.UnwritableRunDirectoryCases);
        output.WriteLine($"{cases} unwritable run directory cases");
    }

    [Fact]
    public async Task A_dataset_file_truncated_mid_run_ends_the_run_with_an_IOException_naming_it_and_the_run_resumes()
    {
        // IDX images read from disk as batches need them. Before, the file was memory-mapped and the truncation
        // raised SIGBUS, which ended the process without an exception. The truncation lands once pretext epoch 2 has
        // begun: in that epoch's remaining steps, or (epochs take a fraction of a second) in a later stage's reads.
        string data = Path.Combine(_run, "..", Path.GetFileName(_run) + "-idx");
        var settings = Settings with { IdxDirectory = data };
        BandImages.WriteIdx(data, settings.PerClass);
        string images = Path.GetFullPath(Path.Combine(data, "images.idx"));
        byte[] intact = File.ReadAllBytes(images);
        try
        {
            using (var host = HostProcess.Start(settings))
            {
                (await host.WaitForLineAsync(l => l.StartsWith("progress Pretext 2 ", StringComparison.Ordinal)))
                    .Should().NotBeNull($"the host must reach pretext epoch 2.{host.Describe()}");
                using (var file = new FileStream(images, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                    file.SetLength(4096);
                int exit = await host.WaitForExitAsync();
                output.WriteLine($"truncated to 4096 bytes after pretext epoch 2 began: exit {exit}; {host.Stderr.Split('\n')[0]}");
                exit.Should().Be(1, $"the run must end with an exception, not a signal.{host.Describe()}");
                host.Stderr.Should().Contain($"System.IO.IOException: Dataset file '{images}' changed while in use");
            }
            File.Exists(Path.Combine(_run, "pretext", "checkpoint.scan")).Should().BeTrue("epoch 1's checkpoint is kept");

            // The file restored, the run resumes and ends as the uninterrupted in-memory run does (same bytes).
            File.WriteAllBytes(images, intact);
            var resumed = await HostProcess.RunToEndAsync(settings with { Progress = false });
            output.Log("resumed", resumed);
            resumed.Outcome.ShouldEqual((await ReferenceRuns.Of(ReferenceRuns.Tiny)).Outcome, "a run resumed after its dataset file was truncated and restored");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
