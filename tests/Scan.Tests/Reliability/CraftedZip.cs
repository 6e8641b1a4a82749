using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Scan.Tests.Reliability;

/// <summary>
/// Writes zip archives byte by byte from the format (PKWARE APPNOTE 4.3: local headers, central directory, end
/// record), so a test can declare sizes and CRC-32s that .NET's ZipArchive writer would never produce: the files a
/// hostile sender crafts.
/// </summary>
internal static class CraftedZip
{
    /// <summary>One entry: its bytes as stored, the compression method (0 stored, 8 deflate), and what its headers declare.</summary>
    public sealed record Entry(string Name, byte[] Data, ushort Method, uint DeclaredLength, uint Crc32);

    /// <summary>A stored entry with its true length and CRC-32.</summary>
    public static Entry Stored(string name, byte[] data) => new(name, data, 0, (uint)data.Length, Crc32.HashToUInt32(data));

    /// <summary>The entries of an existing archive, stored, in order.</summary>
    public static List<Entry> Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        return archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Stored(e.FullName, copy.ToArray());
        }).ToList();
    }

    public static byte[] Write(IEnumerable<Entry> entries)
    {
        using var file = new MemoryStream();
        using var writer = new BinaryWriter(file);
        var central = new MemoryStream();
        var cd = new BinaryWriter(central);
        int count = 0;
        foreach (var e in entries)
        {
            byte[] name = Encoding.UTF8.GetBytes(e.Name);
            uint offset = (uint)file.Position;
            writer.Write(0x04034b50u);
            writer.Write((ushort)20); writer.Write((ushort)0); writer.Write(e.Method);
            writer.Write((ushort)0); writer.Write((ushort)0x21);     // time, date (1980-01-01)
            writer.Write(e.Crc32); writer.Write((uint)e.Data.Length); writer.Write(e.DeclaredLength);
            writer.Write((ushort)name.Length); writer.Write((ushort)0);
            writer.Write(name);
            writer.Write(e.Data);

            cd.Write(0x02014b50u);
            cd.Write((ushort)20); cd.Write((ushort)20); cd.Write((ushort)0); cd.Write(e.Method);
            cd.Write((ushort)0); cd.Write((ushort)0x21);
            cd.Write(e.Crc32); cd.Write((uint)e.Data.Length); cd.Write(e.DeclaredLength);
            cd.Write((ushort)name.Length); cd.Write((ushort)0); cd.Write((ushort)0);
            cd.Write((ushort)0); cd.Write((ushort)0); cd.Write(0u); cd.Write(offset);
            cd.Write(name);
            count++;
        }
        cd.Flush();
        uint cdOffset = (uint)file.Position;
        writer.Write(central.ToArray());
        writer.Write(0x06054b50u);
        writer.Write((ushort)0); writer.Write((ushort)0);
        writer.Write((ushort)count); writer.Write((ushort)count);
        writer.Write((uint)central.Length); writer.Write(cdOffset); writer.Write((ushort)0);
        writer.Flush();
        return file.ToArray();
    }

    /// <summary>
    /// A raw deflate stream (RFC 1951) that inflates to 1 + 258·<paramref name="matches"/> zero bytes: one fixed-Huffman
    /// block holding a literal 0 and then length-258, distance-1 matches of 13 bits each (about 159:1).
    /// </summary>
    public static byte[] ZeroBomb(long matches)
    {
        var output = new MemoryStream((int)Math.Min(int.MaxValue, 16 + 13 * matches / 8));
        ulong pending = 0;
        int pendingBits = 0;
        void Bits(ulong value, int count)     // deflate packs bits least significant first
        {
            pending |= value << pendingBits;
            pendingBits += count;
            while (pendingBits >= 8)
            {
                output.WriteByte((byte)pending);
                pending >>= 8;
                pendingBits -= 8;
            }
        }
        // Huffman codes are sent most significant bit first, so they go in bit-reversed.
        static ulong Reverse(ulong code, int length)
        {
            ulong r = 0;
            for (int i = 0; i < length; i++)
                r |= ((code >> i) & 1) << (length - 1 - i);
            return r;
        }
        Bits(1, 1);                                   // BFINAL
        Bits(1, 2);                                   // BTYPE 01: fixed Huffman
        Bits(Reverse(0b00110000, 8), 8);              // literal 0
        ulong match = Reverse(0b11000101, 8);         // length code 285 (258 bytes), then distance code 0 (distance 1)
        for (long m = 0; m < matches; m++)
            Bits(match, 13);
        Bits(0, 7);                                   // end of block (code 256)
        if (pendingBits > 0)
            Bits(0, 8 - pendingBits);
        return output.ToArray();
    }
}
