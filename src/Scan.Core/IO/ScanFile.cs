using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Scan.Core.IO;

/// <summary>
/// The container of every binary file Scan.NET writes (checkpoints, models, neighbour sets): a header naming the
/// content kind and its format version, the payload length and the SHA-256 of the payload, then the payload. A
/// truncated, damaged or foreign file is detected on reading and named in the exception.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "SCAN.NET" (8 bytes), container version (u16), kind length (u16), kind (ASCII),
/// content version (u32), payload length (i64), SHA-256 of the payload (32 bytes), payload.
/// </remarks>
internal static class ScanFile
{
    private static readonly byte[] Magic = "SCAN.NET"u8.ToArray();
    private const ushort ContainerVersion = 1;
    private const int MaxKindLength = 64;

    /// <summary>Writes a container atomically (see <see cref="AtomicFile"/>).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="kind">What the payload is, e.g. "checkpoint"; checked when reading.</param>
    /// <param name="version">Version of the payload's own format; checked when reading.</param>
    /// <param name="payload">The content.</param>
    public static void Write(string path, string kind, uint version, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        byte[] kindBytes = Encoding.ASCII.GetBytes(kind);
        if (kindBytes.Length > MaxKindLength)
            throw new ArgumentException($"Kind '{kind}' is longer than {MaxKindLength} characters.", nameof(kind));

        byte[] hash = SHA256.HashData(payload);
        byte[] header = new byte[8 + 2 + 2 + kindBytes.Length + 4 + 8 + 32];
        int o = 0;
        Magic.CopyTo(header, o); o += 8;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(o), ContainerVersion); o += 2;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(o), (ushort)kindBytes.Length); o += 2;
        kindBytes.CopyTo(header, o); o += kindBytes.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(o), version); o += 4;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(o), payload.Length); o += 8;
        hash.CopyTo(header, o);

        byte[] body = payload.ToArray();
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(body);
        });
    }

    /// <summary>Reads and verifies a container, returning its payload.</summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">The expected kind.</param>
    /// <param name="version">The expected content version.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a Scan.NET file of that kind and version, is
    /// truncated, or its checksum does not match; the message names the file and what was expected vs found.</exception>
    public static byte[] Read(string path, string kind, uint version) => Read(path, kind, version, version, out _);

    /// <summary>Reads a file whose kind has had several content versions, any of <paramref name="oldest"/> to
    /// <paramref name="newest"/>, and says which one it found.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Read(string, string, uint)"/>.</exception>
    public static byte[] Read(string path, string kind, uint oldest, uint newest, out uint version)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Scan.NET file '{path}' ({kind}) does not exist.", path);
        byte[] file = File.ReadAllBytes(path);
        var span = file.AsSpan();

        Require(span.Length >= 12, path, $"a header of at least 12 bytes, found a file of {span.Length} bytes");
        Require(span[..8].SequenceEqual(Magic), path, "the magic bytes 'SCAN.NET' at offset 0 (not a Scan.NET file)");
        ushort container = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
        Require(container == ContainerVersion, path, $"container version {ContainerVersion}, found {container}");
        int kindLength = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
        Require(kindLength <= MaxKindLength && span.Length >= 12 + kindLength + 44, path,
            $"a complete header, found a file of {span.Length} bytes with kind length {kindLength}");
        string foundKind = Encoding.ASCII.GetString(span.Slice(12, kindLength));
        Require(foundKind == kind, path, $"content kind '{kind}', found '{foundKind}'");
        int o = 12 + kindLength;
        uint foundVersion = BinaryPrimitives.ReadUInt32LittleEndian(span[o..]);
        Require(foundVersion >= oldest && foundVersion <= newest, path,
            oldest == newest ? $"{kind} format version {newest}, found {foundVersion}" : $"{kind} format version {oldest} to {newest}, found {foundVersion}");
        version = foundVersion;
        long length = BinaryPrimitives.ReadInt64LittleEndian(span[(o + 4)..]);
        int payloadOffset = o + 12 + 32;
        Require(length >= 0 && length == span.Length - payloadOffset, path,
            $"a payload of {length} bytes, found {span.Length - payloadOffset} (file truncated or extended)");
        var payload = span[payloadOffset..];
        Require(SHA256.HashData(payload).AsSpan().SequenceEqual(span.Slice(o + 12, 32)), path,
            "the payload's SHA-256 recorded in the header, found different content (file damaged)");
        return payload.ToArray();
    }

    private static void Require(bool condition, string path, string expected)
    {
        if (!condition)
            throw new InvalidDataException($"Scan.NET file '{path}' is invalid: expected {expected}.");
    }
}
