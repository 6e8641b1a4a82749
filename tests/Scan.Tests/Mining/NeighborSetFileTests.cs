using System.Buffers.Binary;
using System.Security.Cryptography;
using Scan.Core.Mining;

namespace Scan.Tests.Mining;

public sealed class NeighborSetFileTests : IDisposable
{
    private const int N = 6, K = 3;
    private const int HeaderBytes = 24, PayloadBytes = 8 * N * K, ChecksumBytes = 32;
    private readonly string _folder = Directory.CreateTempSubdirectory("scan-mining-tests-").FullName;

    private static NeighborSet Sample()
    {
        var indices = new int[N * K];
        var similarities = new float[N * K];
        for (int a = 0; a < N; a++)
            for (int t = 0; t < K; t++)
            {
                indices[a * K + t] = (a + 1 + t) % N;
                similarities[a * K + t] = 1f / (a + t + 2) - 0.3f * t;
            }

        return new NeighborSet(N, K, indices, similarities);
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_saved_set_loads_back_bit_for_bit()
    {
        var set = Sample();
        string path = PathOf("neighbors.bin");

        set.Save(path);
        var loaded = NeighborSet.Load(path);

        loaded.Count.Should().Be(N);
        loaded.NumNeighbors.Should().Be(K);
        loaded.Indices.ToArray().Should().Equal(set.Indices.ToArray());
        loaded.Similarities.ToArray().Select(BitConverter.SingleToInt32Bits)
            .Should().Equal(set.Similarities.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void The_file_has_the_documented_layout()
    {
        var set = Sample();
        string path = PathOf("layout.bin");

        set.Save(path);
        byte[] bytes = File.ReadAllBytes(path);

        bytes.Length.Should().Be(HeaderBytes + PayloadBytes + ChecksumBytes);
        bytes[..8].Should().Equal("SCANNBR\0"u8.ToArray());
        BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)).Should().Be(1u, "format version");
        BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)).Should().Be(1u, "flags: similarities present");
        BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)).Should().Be(N);
        BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)).Should().Be(K);
        BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(HeaderBytes + 4)).Should().Be(set.Indices[1]);
        BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(HeaderBytes + 4 * N * K + 8)).Should().Be(set.Similarities[2]);
        bytes[^ChecksumBytes..].Should().Equal(SHA256.HashData(bytes.AsSpan(0, bytes.Length - ChecksumBytes)));
    }

    [Fact]
    public void Saving_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        string path = PathOf("replace.bin");
        File.WriteAllText(path, "an older file");

        Sample().Save(path);

        NeighborSet.Load(path).Count.Should().Be(N);
        Directory.GetFiles(_folder).Should().Equal(path);
    }

    [Fact]
    public void Every_flipped_header_byte_is_detected_and_the_file_named()
    {
        string path = PathOf("header.bin");
        Sample().Save(path);
        byte[] good = File.ReadAllBytes(path);

        for (int offset = 0; offset < HeaderBytes; offset++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[offset] ^= 0x10;
            File.WriteAllBytes(path, bad);

            FluentActions.Invoking(() => NeighborSet.Load(path)).Should().Throw<InvalidDataException>("byte {0} was flipped", offset)
                .Where(e => e.Message.Contains(path) && e.Message.Contains("expected"));
        }
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(8, "format version 1, found 17")]
    [InlineData(12, "flags")]
    [InlineData(16, "expected 584 bytes for N = 22, K = 3, found 200")]
    [InlineData(20, "K in [1, N), found N = 6, K = 19")]
    public void Header_damage_is_named(int offset, string message)
    {
        string path = PathOf("named.bin");
        Sample().Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        // Flipping bit 4 makes N = 6 ^ 0x10 = 22 (so the length no longer fits) or K = 3 ^ 0x10 = 19 (not below N).
        var act = () => NeighborSet.Load(path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(path) && e.Message.Contains(message));
    }

    [Theory]
    [InlineData(HeaderBytes)]
    [InlineData(HeaderBytes + 4 * N * K + 5)]
    [InlineData(HeaderBytes + PayloadBytes - 1)]
    [InlineData(HeaderBytes + PayloadBytes + 7)]
    public void A_flipped_payload_or_checksum_byte_fails_the_checksum(int offset)
    {
        string path = PathOf("payload.bin");
        Sample().Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var act = () => NeighborSet.Load(path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(path) && e.Message.Contains("SHA-256") && e.Message.Contains("damaged"));
    }

    [Theory]
    [InlineData(0, "a header of 24 bytes, found a file of 0 bytes")]
    [InlineData(10, "a header of 24 bytes, found a file of 10 bytes")]
    [InlineData(HeaderBytes + 100, "found 124 (file truncated or extended)")]
    [InlineData(HeaderBytes + PayloadBytes + ChecksumBytes - 1, "found 199 (file truncated or extended)")]
    public void A_truncated_file_is_detected(int length, string message)
    {
        string path = PathOf("truncated.bin");
        Sample().Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..length]);

        var act = () => NeighborSet.Load(path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(path) && e.Message.Contains(message));
    }

    [Fact]
    public void An_extended_file_is_detected()
    {
        string path = PathOf("extended.bin");
        Sample().Save(path);
        File.AppendAllText(path, "x");

        var act = () => NeighborSet.Load(path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(path) && e.Message.Contains("expected 200 bytes"));
    }

    [Fact]
    public void A_consistent_file_with_invalid_content_is_rejected_as_invalid_data()
    {
        // Well-formed header and a matching checksum, but anchor 0 lists itself: only the content check can tell.
        string path = PathOf("self.bin");
        Sample().Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(HeaderBytes), 0);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - ChecksumBytes), bytes.AsSpan(bytes.Length - ChecksumBytes));
        File.WriteAllBytes(path, bytes);

        var act = () => NeighborSet.Load(path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(path) && e.Message.Contains("anchor itself"));
    }

    [Fact]
    public void A_missing_file_is_reported_as_not_found()
    {
        string path = PathOf("missing.bin");

        var act = () => NeighborSet.Load(path);

        act.Should().Throw<FileNotFoundException>().Where(e => e.FileName == path && e.Message.Contains(path));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
