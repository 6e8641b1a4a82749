using System.Buffers.Binary;
using System.Text;

namespace Scan.Cli.Files;

/// <summary>
/// The header of a Scan.NET binary file (model.scan, checkpoints, neighbours), read for `scan inspect`: magic
/// "SCAN.NET", container version (u16), kind length (u16), kind (ASCII), content version (u32), payload length (i64),
/// little-endian. Only shown, never trusted: loading the file checks it fully.
/// </summary>
internal sealed record ScanFileHeader(int ContainerVersion, string Kind, uint ContentVersion, long PayloadBytes)
{
    /// <summary>The header, or null when the file is not a Scan.NET file.</summary>
    public static ScanFileHeader? TryRead(string path)
    {
        var buffer = new byte[12 + 64 + 12];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var span = buffer.AsSpan(0, read);
        if (span.Length < 12 || !span[..8].SequenceEqual("SCAN.NET"u8))
            return null;
        int container = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
        int kindLength = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
        if (kindLength > 64 || span.Length < 12 + kindLength + 12)
            return null;
        string kind = Encoding.ASCII.GetString(span.Slice(12, kindLength));
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(span[(12 + kindLength)..]);
        long payload = BinaryPrimitives.ReadInt64LittleEndian(span[(16 + kindLength)..]);
        return new ScanFileHeader(container, kind, version, payload);
    }
}
