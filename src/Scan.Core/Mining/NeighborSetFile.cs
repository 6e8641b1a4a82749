using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Scan.Core.IO;

namespace Scan.Core.Mining;

/// <summary>
/// Saves and loads a <see cref="NeighborSet"/> as a small binary file, the hand-over from the mining stage to the
/// SCAN stage (public as <see cref="NeighborSet.Save"/> and <see cref="NeighborSet.Load"/>). Writing is atomic (see
/// <see cref="AtomicFile"/>); reading rejects a foreign, truncated or damaged file with an <see cref="InvalidDataException"/> naming the file and what was expected vs found.
/// </summary>
/// <remarks>
/// Layout, little-endian: magic "SCANNBR\0" (8 bytes); format version (u32, = 1); flags (u32, bit 0 = similarities
/// present, always set in version 1; other bits zero); N (i32); K (i32); N x K neighbour indices (i32, row-major);
/// N x K similarities (f32, row-major); SHA-256 of all preceding bytes (32 bytes). A set mined for 70,000 images
/// with K = 20 takes 11.2 MB.
/// </remarks>
internal static class NeighborSetFile
{
    /// <summary>Version of the layout written by <see cref="Save"/>.</summary>
    public const uint FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "SCANNBR\0"u8;
    private const uint SimilaritiesPresent = 1;
    private const int HeaderBytes = 24;
    private const int ChecksumBytes = 32;

    /// <summary>Writes <paramref name="neighbors"/> to <paramref name="path"/> atomically, replacing any file there.</summary>
    /// <param name="neighbors">The set to save.</param>
    /// <param name="path">Target file; its folder is created if missing.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static void Save(NeighborSet neighbors, string path)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        long length = HeaderBytes + 8L * neighbors.Count * neighbors.NumNeighbors + ChecksumBytes;
        if (length > Array.MaxLength)
            throw new ArgumentException(
                $"A set of N = {neighbors.Count} x K = {neighbors.NumNeighbors} needs {length} bytes; at most {Array.MaxLength} fit in one file.",
                nameof(neighbors));
        int cells = neighbors.Count * neighbors.NumNeighbors;
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], SimilaritiesPresent);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], neighbors.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], neighbors.NumNeighbors);

        var indices = MemoryMarshal.Cast<byte, int>(span.Slice(HeaderBytes, 4 * cells));
        neighbors.Indices.CopyTo(indices);
        var similarities = MemoryMarshal.Cast<byte, float>(span.Slice(HeaderBytes + 4 * cells, 4 * cells));
        neighbors.Similarities.CopyTo(similarities);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(indices, indices);
            var raw = MemoryMarshal.Cast<float, int>(similarities);
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }

        int body = bytes.Length - ChecksumBytes;
        SHA256.HashData(span[..body], span[body..]);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads a set saved by <see cref="Save"/>, verifying it first.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a neighbour file of this version, its sizes do not
    /// match its length (truncated or extended), its checksum does not match (damaged), or its content is not a
    /// valid neighbour set; the message names the file and what was expected vs found.</exception>
    public static NeighborSet Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Neighbour file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        var span = bytes.AsSpan();

        Require(span.Length >= HeaderBytes, path, $"a header of {HeaderBytes} bytes, found a file of {span.Length} bytes");
        Require(span[..8].SequenceEqual(Magic), path,
            $"the magic bytes \"SCANNBR\\0\" at offset 0, found {Convert.ToHexString(span[..8])} (not a neighbour file)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        Require(version == FormatVersion, path, $"format version {FormatVersion}, found {version}");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        Require(flags == SimilaritiesPresent, path, $"flags 0x{SimilaritiesPresent:X8}, found 0x{flags:X8}");
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        int numNeighbors = BinaryPrimitives.ReadInt32LittleEndian(span[20..]);
        Require(count >= 2 && numNeighbors >= 1 && numNeighbors < count, path,
            $"N >= 2 and K in [1, N), found N = {count}, K = {numNeighbors}");
        long cells = (long)count * numNeighbors;
        long expectedLength = HeaderBytes + 8 * cells + ChecksumBytes;
        Require(span.Length == expectedLength, path,
            $"{expectedLength} bytes for N = {count}, K = {numNeighbors}, found {span.Length} (file truncated or extended)");

        int body = span.Length - ChecksumBytes;
        Span<byte> hash = stackalloc byte[ChecksumBytes];
        SHA256.HashData(span[..body], hash);
        Require(hash.SequenceEqual(span[body..]), path,
            $"SHA-256 {Convert.ToHexString(span[body..])} as recorded, found {Convert.ToHexString(hash)} (file damaged)");

        var indices = MemoryMarshal.Cast<byte, int>(span.Slice(HeaderBytes, 4 * (int)cells)).ToArray();
        var similarities = MemoryMarshal.Cast<byte, float>(span.Slice(HeaderBytes + 4 * (int)cells, 4 * (int)cells)).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(indices, indices);
            var raw = MemoryMarshal.Cast<float, int>(similarities.AsSpan());
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }

        try
        {
            return NeighborSet.Adopt(count, numNeighbors, indices, similarities);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Neighbour file '{path}' is invalid: {e.Message}", e);
        }
    }

    private static void Require(bool condition, string path, string expected)
    {
        if (!condition)
            throw new InvalidDataException($"Neighbour file '{path}' is invalid: expected {expected}.");
    }
}
