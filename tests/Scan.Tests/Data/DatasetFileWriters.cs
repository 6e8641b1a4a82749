using System.Buffers.Binary;
using System.IO.Compression;

namespace Scan.Tests.Data;

/// <summary>
/// Minimal writers of the binary dataset formats, written from the formats' descriptions (not from the loaders), so
/// round-trip tests check the loaders against an independent encoding.
/// </summary>
internal static class DatasetFileWriters
{
    /// <summary>IDX: big-endian magic 0x0000TTDD, DD big-endian int32 sizes, then the bytes.</summary>
    public static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] IdxImages(int count, int rows, int cols, byte[] pixels) => Idx(0x00000803, [count, rows, cols], pixels);

    public static byte[] IdxLabels(byte[] labels) => Idx(0x00000801, [labels.Length], labels);

    public static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            gzip.Write(data);
        return buffer.ToArray();
    }

    /// <summary>CIFAR record: label byte(s), then 1,024 R, 1,024 G, 1,024 B bytes.</summary>
    public static byte[] CifarRecords(IReadOnlyList<(byte[] Labels, byte[] Pixels)> records)
    {
        using var buffer = new MemoryStream();
        foreach (var (labels, pixels) in records)
        {
            buffer.Write(labels);
            buffer.Write(pixels);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// STL-10 images: for each image, for each channel, the 96x96 plane column by column (MATLAB order). The
    /// pixel at (channel c, row y, column x) comes from <paramref name="pixel"/>(n, c, y, x).
    /// </summary>
    public static byte[] Stl10Images(int count, Func<int, int, int, int, byte> pixel)
    {
        var bytes = new byte[count * 3 * 96 * 96];
        int o = 0;
        for (int n = 0; n < count; n++)
            for (int c = 0; c < 3; c++)
                for (int x = 0; x < 96; x++)
                    for (int y = 0; y < 96; y++)
                        bytes[o++] = pixel(n, c, y, x);
        return bytes;
    }

    /// <summary>Deterministic pseudo-random bytes (a small LCG), so fixtures need no files.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        uint state = (uint)seed * 2654435761u + 1;
        for (int i = 0; i < length; i++)
        {
            state = state * 1664525u + 1013904223u;
            bytes[i] = (byte)(state >> 24);
        }

        return bytes;
    }
}
