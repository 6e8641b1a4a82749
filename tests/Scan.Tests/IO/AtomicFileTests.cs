using System.Diagnostics;
using Scan.Core.IO;

namespace Scan.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string target, int pid) => Path.Combine(_dir, $".{target}.{pid}.{Guid.NewGuid():N}.tmp");

    [Fact]
    public void Writing_a_target_deletes_its_temporary_files_whose_writer_is_gone_and_nothing_else()
    {
        // No process can have this id (Linux pid_max is at most 2^22; Windows ids are multiples of 4).
        const int gone = int.MaxValue;
        using var live = Process.GetProcesses().First(p =>
        {
            try
            {
                return p.Id != Environment.ProcessId && p.StartTime < DateTime.Now.AddSeconds(-5);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return false;
            }
        });

        string deadWriter = Temp("checkpoint.scan", gone);
        string thisProcessEarlier = Temp("checkpoint.scan", Environment.ProcessId);
        string liveWriter = Temp("checkpoint.scan", live.Id);
        string reusedId = Temp("checkpoint.scan", live.Id);
        string otherTarget = Temp("model.scan", gone);
        string notOurs = Path.Combine(_dir, ".checkpoint.scan.backup.tmp");
        foreach (string file in new[] { deadWriter, thisProcessEarlier, liveWriter, reusedId, otherTarget, notOurs })
            File.WriteAllText(file, "partial");
        // Written before its process id's current owner started: that id was reused, the writer is gone.
        File.SetLastWriteTimeUtc(reusedId, live.StartTime.ToUniversalTime().AddMinutes(-1));

        AtomicFile.WriteAllText(Path.Combine(_dir, "checkpoint.scan"), "complete");

        File.ReadAllText(Path.Combine(_dir, "checkpoint.scan")).Should().Be("complete");
        File.Exists(deadWriter).Should().BeFalse("its process no longer exists");
        File.Exists(thisProcessEarlier).Should().BeFalse("this process is not writing it any more");
        File.Exists(reusedId).Should().BeFalse("its process id now belongs to a later process");
        File.Exists(liveWriter).Should().BeTrue($"process {live.Id} may still be writing it");
        File.Exists(otherTarget).Should().BeTrue("only the target being written is cleaned");
        File.Exists(notOurs).Should().BeTrue("a name AtomicFile does not make is never touched");
    }

    [Fact]
    public void Concurrent_writes_of_one_target_in_one_process_do_not_delete_each_other()
    {
        string target = Path.Combine(_dir, "report.json");
        Parallel.For(0, 64, i => AtomicFile.WriteAllText(target, new string((char)('a' + i % 26), 10_000)));
        File.ReadAllText(target).Should().HaveLength(10_000).And.MatchRegex("^(.)\\1*$");
        Directory.GetFiles(_dir).Should().ContainSingle();
    }
}
