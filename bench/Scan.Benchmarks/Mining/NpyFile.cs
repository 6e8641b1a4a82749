using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Scan.Benchmarks.Mining;

/// <summary>
/// Minimal NumPy .npy (format 1.0) reader and writer for 2-D little-endian float32 and int32 arrays in C order: the
/// exchange format with the Python reference.
/// </summary>
internal static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    public static void Write(string path, float[] values, int rows, int columns)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        // Magic (6) + version (2) + header length (2) + header + '\n', padded with spaces to a multiple of 64.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write(new byte[] { 1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8) });
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static (T[] Values, int Rows, int Columns) Read<T>(string path) where T : unmanaged
    {
        string expected = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(int) ? "<i4"
            : throw new NotSupportedException($"Only float32 and int32 .npy files are supported, not {typeof(T)}.");
        byte[] bytes = File.ReadAllBytes(path);
        if (!bytes.AsSpan(0, 6).SequenceEqual(Magic) || bytes[6] != 1)
            throw new InvalidDataException($"'{path}' is not a version 1 .npy file.");
        int headerLength = bytes[8] | bytes[9] << 8;
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var match = HeaderPattern().Match(header);
        if (!match.Success || match.Groups["descr"].Value != expected || match.Groups["fortran"].Value != "False")
            throw new InvalidDataException($"'{path}' is not a C-order 2-D {expected} array: {header.Trim()}");
        int rows = int.Parse(match.Groups["rows"].Value, CultureInfo.InvariantCulture);
        int columns = int.Parse(match.Groups["columns"].Value, CultureInfo.InvariantCulture);
        var values = MemoryMarshal.Cast<byte, T>(bytes.AsSpan(10 + headerLength)).ToArray();
        if (values.Length != (long)rows * columns)
            throw new InvalidDataException($"'{path}' holds {values.Length} values, its header says {rows} x {columns}.");
        return (values, rows, columns);
    }

    [GeneratedRegex(@"'descr':\s*'(?<descr>[^']+)'.*'fortran_order':\s*(?<fortran>\w+).*'shape':\s*\((?<rows>\d+),\s*(?<columns>\d+)\)")]
    private static partial Regex HeaderPattern();
}
