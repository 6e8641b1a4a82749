using System.Text;
using static TorchSharp.torch;

namespace Scan.Core.IO;

/// <summary>
/// Checks the bytes of a TorchSharp <c>Module.save</c> stream against the module that is to load them, before
/// TorchSharp reads them. TorchSharp's <c>Module.load</c> trusts the lengths in the stream: it allocates a shape
/// array of whatever rank the file declares (<c>new long[rank]</c> for a rank of 2^31 is 16 GB) and fills
/// parameters in file order without checking that every one was filled. After this check every length in the
/// stream is the module's own, so loading allocates nothing the file declares.
/// </summary>
/// <remarks>
/// Format (TorchSharp 0.107, <c>Module.save</c>): entry count (LEB128), then per entry the name (BinaryWriter
/// string: 7-bit length, UTF-8), the dtype code (LEB128), the rank (LEB128), each dimension (LEB128) and the
/// elements' bytes.
/// </remarks>
internal static class ModuleStateStream
{
    /// <summary>
    /// Throws unless <paramref name="stream"/> is exactly one state dict with the names, dtypes and shapes of
    /// <paramref name="expected"/>, each once, and nothing after it.
    /// </summary>
    /// <param name="stream">The saved state dict.</param>
    /// <param name="expected">The module's <c>state_dict()</c>.</param>
    /// <param name="describe">The file and part, for the message (e.g. "Scan.NET model 'm.scan'").</param>
    /// <exception cref="InvalidDataException">The stream does not fit; the message names the entry and both values.</exception>
    public static void Check(ReadOnlySpan<byte> stream, IReadOnlyDictionary<string, Tensor> expected, string describe)
    {
        int offset = 0;
        long count = Leb128(stream, ref offset, describe, "the entry count");
        if (count != expected.Count)
            throw Invalid(describe, $"{count} state-dict entries, expected {expected.Count}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            string name = Name(stream, ref offset, describe, i);
            if (!expected.TryGetValue(name, out var tensor))
                throw Invalid(describe, $"entry {i} named '{name}', which the model does not have");
            if (!seen.Add(name))
                throw Invalid(describe, $"entry '{name}' twice");
            long dtype = Leb128(stream, ref offset, describe, $"the dtype of '{name}'");
            if (dtype != (long)tensor.dtype)
                throw Invalid(describe, $"dtype code {dtype} for '{name}', expected {(long)tensor.dtype} ({tensor.dtype})");
            long rank = Leb128(stream, ref offset, describe, $"the rank of '{name}'");
            if (rank != tensor.dim())
                throw Invalid(describe, $"rank {rank} for '{name}', expected {tensor.dim()}");
            for (int d = 0; d < rank; d++)
            {
                long size = Leb128(stream, ref offset, describe, $"dimension {d} of '{name}'");
                if (size != tensor.shape[d])
                    throw Invalid(describe, $"dimension {d} of '{name}' as {size}, expected {tensor.shape[d]} of [{string.Join(", ", tensor.shape)}]");
            }
            long bytes = tensor.NumberOfElements * tensor.ElementSize;
            if (bytes > stream.Length - offset)
                throw Invalid(describe, $"{bytes} bytes of '{name}', but only {stream.Length - offset} remain");
            offset += (int)bytes;
        }
        if (offset != stream.Length)
            throw Invalid(describe, $"{stream.Length - offset} bytes after the last state-dict entry");
    }

    // LEB128 as TorchSharp's BinaryReader.Decode writes it: at most 9 bytes for a non-negative long.
    private static long Leb128(ReadOnlySpan<byte> stream, ref int offset, string describe, string what)
    {
        long value = 0;
        for (int i = 0; ; i++)
        {
            if (offset >= stream.Length)
                throw Invalid(describe, $"{what}, but the stream ends at byte {offset}");
            if (i == 9)
                throw Invalid(describe, $"{what} longer than 9 bytes at byte {offset}");
            byte b = stream[offset++];
            value |= (long)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
                return value;
        }
    }

    private static string Name(ReadOnlySpan<byte> stream, ref int offset, string describe, long entry)
    {
        int length = 0;
        for (int i = 0; ; i++)
        {
            if (offset >= stream.Length || i == 5)
                throw Invalid(describe, $"the name length of entry {entry}, found none readable at byte {offset}");
            byte b = stream[offset++];
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
                break;
        }
        if (length < 0 || length > stream.Length - offset)
            throw Invalid(describe, $"a name of {length} bytes for entry {entry}, but only {stream.Length - offset} remain");
        string name;
        try
        {
            name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(stream.Slice(offset, length));
        }
        catch (DecoderFallbackException)
        {
            throw Invalid(describe, $"a name for entry {entry} that is not UTF-8");
        }
        offset += length;
        return name;
    }

    private static InvalidDataException Invalid(string describe, string problem) =>
        new($"{describe} has a damaged state dict: it declares {problem}.");
}
