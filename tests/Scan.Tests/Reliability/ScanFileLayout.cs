using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Scan.Tests.Reliability;

/// <summary>
/// Builds <see cref="Scan.Core.IO.ScanFile"/> containers from the layout in its documentation, independently of the
/// writer: magic "SCAN.NET", container version (u16), kind length (u16), kind, content version (u32), payload length
/// (i64), SHA-256 of the payload, payload; little-endian. Lets a fuzz test damage a payload behind a valid checksum.
/// </summary>
internal static class ScanFileLayout
{
    public static byte[] Wrap(string kind, uint version, byte[] payload)
    {
        byte[] kindBytes = Encoding.ASCII.GetBytes(kind);
        var bytes = new byte[8 + 2 + 2 + kindBytes.Length + 4 + 8 + 32 + payload.Length];
        var span = bytes.AsSpan();
        "SCAN.NET"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], (ushort)kindBytes.Length);
        kindBytes.CopyTo(span[12..]);
        int o = 12 + kindBytes.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[o..], version);
        BinaryPrimitives.WriteInt64LittleEndian(span[(o + 4)..], payload.Length);
        SHA256.HashData(payload, span.Slice(o + 12, 32));
        payload.CopyTo(span[(o + 44)..]);
        return bytes;
    }

    /// <summary>The payload of a container written by <see cref="Wrap"/> or by ScanFile.</summary>
    public static byte[] Payload(byte[] container)
    {
        int kindLength = BinaryPrimitives.ReadUInt16LittleEndian(container.AsSpan(10));
        return container[(12 + kindLength + 44)..];
    }

    /// <summary>The container's integer header fields, for a <see cref="Mutator"/>.</summary>
    public static HeaderField[] Fields(string kind) =>
    [
        new("container version", 8, 2), new("kind length", 10, 2),
        new("content version", 12 + kind.Length, 4), new("payload length", 16 + kind.Length, 8),
    ];
}
