using Scan.Core.IO;
using Scan.Tests.Data;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged <see cref="ScanFile"/> containers, the envelope of every binary file Scan.NET writes (checkpoints, models,
/// contrastive models). It documents <see cref="InvalidDataException"/> naming the file, and with its SHA-256 over the
/// payload and its exact-length check, every change to a file must be detected.
/// </summary>
public sealed class ScanFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_damaged_container_is_rejected_naming_the_file()
    {
        const string Kind = "checkpoint";
        var payload = DatasetFileWriters.Bytes(300, seed: 9);
        string path = _folder.File("state.scan");
        ScanFile.Write(path, Kind, 3, payload);
        var seed = File.ReadAllBytes(path);
        seed.Should().Equal(ScanFileLayout.Wrap(Kind, 3, payload), "the documented layout is what the writer writes");

        var fuzzer = new LoaderFuzzer("ScanFile.Read", output, typeof(InvalidDataException));
        fuzzer.Run(ReliabilityCaseCounts.ScanFileMutants, new Mutator(601), seed, path, () => ScanFile.Read(path, Kind, 3).Should().Equal(payload),
            ScanFileLayout.Fields(Kind), everyChangeDetected: true);
        fuzzer.Finish(ReliabilityCaseCounts.ScanFileMutants);
    }
}
