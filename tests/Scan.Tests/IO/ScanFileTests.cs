using Scan.Core.IO;

namespace Scan.Tests.IO;

public sealed class ScanFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Round_trips_the_payload()
    {
        string path = Path.Combine(_dir, "a.bin");
        byte[] payload = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        ScanFile.Write(path, "neighbors", 3, payload);
        ScanFile.Read(path, "neighbors", 3).Should().Equal(payload);
        Directory.GetFiles(_dir).Should().ContainSingle("the temporary file was renamed, not left behind");
    }

    [Fact]
    public void Every_single_byte_flip_and_truncation_is_detected()
    {
        string path = Path.Combine(_dir, "b.bin");
        ScanFile.Write(path, "checkpoint", 1, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        byte[] good = File.ReadAllBytes(path);
        for (int i = 0; i < good.Length; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= 0x40;
            File.WriteAllBytes(path, bad);
            var act = () => ScanFile.Read(path, "checkpoint", 1);
            act.Should().Throw<InvalidDataException>($"byte {i} was flipped").WithMessage($"*{path}*expected*");
        }
        for (int length = 0; length < good.Length; length++)
        {
            File.WriteAllBytes(path, good[..length]);
            var act = () => ScanFile.Read(path, "checkpoint", 1);
            act.Should().Throw<InvalidDataException>($"the file was cut to {length} bytes");
        }
    }

    [Fact]
    public void Wrong_kind_or_version_is_named()
    {
        string path = Path.Combine(_dir, "c.bin");
        ScanFile.Write(path, "checkpoint", 1, new byte[] { 9 });
        ((Action)(() => ScanFile.Read(path, "neighbors", 1))).Should().Throw<InvalidDataException>()
            .WithMessage("*content kind 'neighbors', found 'checkpoint'*");
        ((Action)(() => ScanFile.Read(path, "checkpoint", 2))).Should().Throw<InvalidDataException>()
            .WithMessage("*format version 2, found 1*");
        File.WriteAllText(path, "not a scan file at all, just text");
        ((Action)(() => ScanFile.Read(path, "checkpoint", 1))).Should().Throw<InvalidDataException>()
            .WithMessage("*magic*");
        ((Action)(() => ScanFile.Read(Path.Combine(_dir, "missing.bin"), "checkpoint", 1))).Should()
            .Throw<FileNotFoundException>().WithMessage("*missing.bin*");
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_file_intact()
    {
        string path = Path.Combine(_dir, "d.bin");
        AtomicFile.WriteAllText(path, "old");
        var act = () => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[] { 1, 2, 3 });
            throw new IOException("disk full");
        });
        act.Should().Throw<IOException>();
        File.ReadAllText(path).Should().Be("old");
        Directory.GetFiles(_dir).Should().ContainSingle("the temporary file is removed after a failure");
    }
}
