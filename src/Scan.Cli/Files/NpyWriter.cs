using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Scan.Cli.Files;

/// <summary>
/// Writes a float32 matrix as a NumPy .npy file (format version 1.0), which <c>numpy.load</c> reads as an array of
/// shape (rows, columns), dtype float32: the magic "\x93NUMPY", the version, a little-endian header length, a Python
/// dict literal describing the array padded with spaces to a multiple of 64 bytes and ended by a newline, then the
/// values in C (row-major) order, little-endian.
/// </summary>
internal static class NpyWriter
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>Writes <paramref name="values"/> (row-major, <paramref name="rows"/> × <paramref name="columns"/>) to
    /// <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The number of values is not rows × columns.</exception>
    public static void Write(string path, ReadOnlySpan<float> values, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"Expected {rows} x {columns} = {(long)rows * columns} values, found {values.Length}.", nameof(values));
        byte[] bytes = Encode(values, rows, columns);
        CliFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The whole file's bytes.</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, int rows, int columns)
    {
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        // Magic and version (8 bytes), the header length (2), the dict, padding and a newline: a multiple of 64.
        int unpadded = Magic.Length + 2 + dict.Length + 1;
        int headerLength = dict.Length + 1 + (64 - unpadded % 64) % 64;
        var header = new StringBuilder(dict).Append(' ', headerLength - dict.Length - 1).Append('\n').ToString();

        var bytes = new byte[Magic.Length + 2 + headerLength + 4L * values.Length];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Magic.Length), (ushort)headerLength);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(Magic.Length + 2));
        var data = bytes.AsSpan(Magic.Length + 2 + headerLength);
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(data.Slice(4 * i), values[i]);
        return bytes;
    }
}
