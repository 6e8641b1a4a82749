using System.Security.Cryptography;
using Scan.Core.Mining;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged neighbour files (the hand-over from mining to clustering) against <see cref="NeighborSet.Load"/>,
/// which documents <see cref="InvalidDataException"/> naming the file. Its SHA-256 must catch every change; with
/// the checksum recomputed after the damage, the content checks behind it (N, K, indices, similarities) must.
/// </summary>
public sealed class NeighborSetFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int N = 12, K = 3;
    private static readonly HeaderField[] Fields = [new("format version", 8, 4), new("flags", 12, 4), new("N", 16, 4), new("K", 20, 4)];
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Damaged_neighbour_files_are_rejected_naming_the_file()
    {
        // Anchor a's neighbours are a+1, a+2, a+3 (mod N), with descending similarities.
        var indices = Enumerable.Range(0, N * K).Select(i => (i / K + 1 + i % K) % N).ToArray();
        var similarities = Enumerable.Range(0, N * K).Select(i => 0.9f - 0.1f * (i % K)).ToArray();
        string path = _folder.File("neighbors.scan");
        new NeighborSet(N, K, indices, similarities).Save(path);
        var seed = File.ReadAllBytes(path);
        void Load()
        {
            var set = NeighborSet.Load(path);
            (set.Count, set.NumNeighbors).Should().Be((N, K));
        }

        var fuzzer = new LoaderFuzzer("NeighborSetFile.Load", output, typeof(InvalidDataException));
        fuzzer.Run(ReliabilityCaseCounts.NeighborFileMutants, new Mutator(701), seed, path, Load, Fields, everyChangeDetected: true);
        fuzzer.Run(ReliabilityCaseCounts.NeighborFileValidChecksumMutants, new Mutator(702), seed, path, Load, Fields, encode: WithValidChecksum);
        fuzzer.Finish(ReliabilityCaseCounts.NeighborFileMutants + ReliabilityCaseCounts.NeighborFileValidChecksumMutants);
    }

    /// <summary>The documented layout ends with the SHA-256 of everything before it.</summary>
    private static byte[] WithValidChecksum(byte[] file)
    {
        if (file.Length < 32)
            return file;
        var bytes = (byte[])file.Clone();
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }
}
