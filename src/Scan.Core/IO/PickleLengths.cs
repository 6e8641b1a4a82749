using System.Buffers.Binary;

namespace Scan.Core.IO;

/// <summary>
/// Walks the opcodes of a pickle (protocols 0 to 5) and checks that every length it declares fits in the bytes
/// that follow. The unpickler TorchSharp.PyBridge uses (Razorvine.Pickle) allocates a byte string's buffer from its
/// declared length before reading it, so a 60-byte pickle declaring a 2 GiB string would allocate 2 GiB.
/// </summary>
/// <remarks>Opcode table: CPython's Lib/pickletools.py. Nothing is evaluated; only the argument lengths are read.</remarks>
internal static class PickleLengths
{
    /// <summary>Returns null when every opcode up to STOP is known and its argument fits, else the problem.</summary>
    public static string? FirstProblem(ReadOnlySpan<byte> pickle)
    {
        int offset = 0;
        while (offset < pickle.Length)
        {
            int at = offset;
            byte op = pickle[offset++];
            int remaining = pickle.Length - offset;
            long argument;
            switch (op)
            {
                case (byte)'.': // STOP
                    return null;
                // No argument.
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R'
                    or (byte)'a' or (byte)'b' or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']'
                    or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')' or (byte)'u'
                    or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8F or 0x90 or 0x91 or 0x92 or 0x93
                    or 0x94 or 0x97 or 0x98:
                    argument = 0;
                    break;
                // Fixed-size arguments.
                case (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82:
                    argument = 1;
                    break;
                case (byte)'M' or 0x83:
                    argument = 2;
                    break;
                case (byte)'J' or (byte)'j' or (byte)'r' or 0x84:
                    argument = 4;
                    break;
                case (byte)'G' or 0x95: // BINFLOAT, FRAME (its length only frames what follows)
                    argument = 8;
                    break;
                // Newline-terminated arguments: one line, or two for GLOBAL and INST.
                case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P' or (byte)'S' or (byte)'V' or (byte)'g' or (byte)'p':
                case (byte)'c' or (byte)'i':
                {
                    int lines = op is (byte)'c' or (byte)'i' ? 2 : 1;
                    int end = offset;
                    for (int l = 0; l < lines; l++)
                    {
                        int newline = pickle[end..].IndexOf((byte)'\n');
                        if (newline < 0)
                            return $"opcode 0x{op:X2} at byte {at} has no end of line";
                        end += newline + 1;
                    }
                    argument = end - offset;
                    break;
                }
                // Length-prefixed arguments: 1, 4 or 8 bytes of length (BINSTRING's signed), then the data.
                case (byte)'U' or (byte)'C' or 0x8A or 0x8C:
                case (byte)'T' or (byte)'X' or (byte)'B' or 0x8B:
                case 0x8D or 0x8E or 0x96:
                {
                    int prefix = op is (byte)'U' or (byte)'C' or 0x8A or 0x8C ? 1 : op is 0x8D or 0x8E or 0x96 ? 8 : 4;
                    if (remaining < prefix)
                        return $"pickle opcode 0x{op:X2} at byte {at} is cut off in its length";
                    var bytes = pickle.Slice(offset, prefix);
                    decimal length = prefix switch
                    {
                        1 => bytes[0],
                        4 when op == (byte)'T' => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                        4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
                    };
                    if (length < 0 || length > remaining - prefix)
                    {
                        return $"pickle opcode 0x{op:X2} at byte {at} declares {length} bytes of data, but only " +
                            $"{remaining - prefix} follow";
                    }
                    argument = prefix + (long)length;
                    break;
                }
                default:
                    return $"unknown pickle opcode 0x{op:X2} at byte {at}";
            }
            if (argument > remaining)
                return $"pickle opcode 0x{op:X2} at byte {at} needs {argument} bytes of argument, but only {remaining} follow";
            offset += (int)argument;
        }
        return "the pickle ends without a STOP opcode";
    }
}
