using System.Buffers.Binary;

namespace Scan.Tests.Reliability;

/// <summary>
/// Recomputes the CRC-32 of every complete PNG chunk (length, type, data, CRC over type and data; PNG spec 5.3), so a
/// mutated chunk reaches the decoder's parsing instead of failing its checksum.
/// </summary>
internal static class PngChunks
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static byte[] WithValidCrcs(byte[] png)
    {
        var bytes = (byte[])png.Clone();
        for (long offset = 8; offset + 12 <= bytes.Length;)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset));
            if (offset + 12 + length > bytes.Length)
                break;
            uint crc = Crc32(bytes.AsSpan((int)offset + 4, (int)length + 4));
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((int)(offset + 8 + length)), crc);
            offset += 12 + length;
        }

        return bytes;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
