using System.Buffers.Binary;

namespace Scan.Tests.Reliability;

/// <summary>
/// Derives damaged inputs from a valid seed file, reproducibly: the same seed number gives the same sequence of
/// mutants. Mutations favour the first bytes of a file, where headers live, but reach every offset.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] BoundaryBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01];

    private readonly Random _random = new(seed);

    /// <summary>The seed number, quoted in reports so a run can be repeated.</summary>
    public int Seed { get; } = seed;

    /// <summary>A mutant of <paramref name="original"/>: mostly bit flips, overwrites and truncations, some
    /// extensions and, when <paramref name="fields"/> are given, header-field corruptions.</summary>
    public Mutant Next(byte[] original, IReadOnlyList<HeaderField>? fields = null)
    {
        int roll = _random.Next(100);
        bool hasFields = fields is { Count: > 0 };
        return roll switch
        {
            < 1 => new Mutant([], MutationKind.ZeroLength, "zero-length file"),
            < 26 => FlipBits(original),
            < 48 => Overwrite(original),
            < 68 => Truncate(original),
            < 78 => Extend(original),
            _ when hasFields => CorruptField(original, fields![_random.Next(fields.Count)]),
            _ => FlipBits(original),
        };
    }

    private int Offset(int length) =>
        // Half of the offsets fall in the first 64 bytes, where the headers are.
        _random.Next(2) == 0 ? _random.Next(Math.Min(length, 64)) : _random.Next(length);

    private Mutant FlipBits(byte[] original)
    {
        if (original.Length == 0)
            return new Mutant([], MutationKind.ZeroLength, "zero-length file");
        var bytes = (byte[])original.Clone();
        int flips = 1 + _random.Next(8);
        var where = new List<string>(flips);
        for (int i = 0; i < flips; i++)
        {
            int offset = Offset(bytes.Length), bit = _random.Next(8);
            bytes[offset] ^= (byte)(1 << bit);
            where.Add($"{offset}.{bit}");
        }

        return new Mutant(bytes, MutationKind.BitFlips, $"bits flipped at byte.bit {string.Join(", ", where)}");
    }

    private Mutant Overwrite(byte[] original)
    {
        if (original.Length == 0)
            return new Mutant([], MutationKind.ZeroLength, "zero-length file");
        var bytes = (byte[])original.Clone();
        int count = 1 + _random.Next(4);
        var where = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            int offset = Offset(bytes.Length);
            byte value = _random.Next(3) == 0 ? (byte)_random.Next(256) : BoundaryBytes[_random.Next(BoundaryBytes.Length)];
            bytes[offset] = value;
            where.Add($"{offset}=0x{value:X2}");
        }

        return new Mutant(bytes, MutationKind.ByteOverwrites, $"bytes overwritten: {string.Join(", ", where)}");
    }

    private Mutant Truncate(byte[] original)
    {
        int length = original.Length == 0 ? 0 : Offset(original.Length);
        return new Mutant(original[..length], MutationKind.Truncation, $"truncated to {length} of {original.Length} bytes");
    }

    private Mutant Extend(byte[] original)
    {
        int extra = 1 + _random.Next(_random.Next(2) == 0 ? 16 : 4096);
        var tail = new byte[extra];
        bool zeros = _random.Next(2) == 0;
        if (!zeros)
            _random.NextBytes(tail);
        return new Mutant([.. original, .. tail], MutationKind.Extension, $"{extra} {(zeros ? "zero" : "random")} bytes appended");
    }

    private Mutant CorruptField(byte[] original, HeaderField field)
    {
        int offset = field.Offset < 0 ? original.Length + field.Offset : field.Offset;
        if (offset < 0 || offset + field.Size > original.Length)
            return FlipBits(original);
        var bytes = (byte[])original.Clone();
        var span = bytes.AsSpan(offset, field.Size);
        long current = Read(span, field);
        long value = Candidate(current, field.Size);
        Write(span, field, value);
        return new Mutant(bytes, MutationKind.HeaderField, $"header field '{field.Name}' at {offset} set from {current} to {value} (0x{value & Mask(field.Size):X})");
    }

    private long Candidate(long current, int size)
    {
        long[] boundaries = size switch
        {
            1 => [0, 1, 9, 10, 11, 19, 20, 99, 100, 0x7F, 0x80, 0xFF],
            2 => [0, 1, 2, 0x7F, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF],
            4 => [0, 1, 2, 3, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 30, 0x7FFFFFFF / 784, 0x7FFFFFFF / 3072],
            _ => [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1L << 40, long.MaxValue, -1, long.MinValue],
        };
        return _random.Next(5) switch
        {
            0 => current + 1,
            1 => current - 1,
            2 => current * (_random.Next(2) == 0 ? 2 : 1000),
            3 => _random.NextInt64() & Mask(size),
            _ => boundaries[_random.Next(boundaries.Length)],
        };
    }

    private static long Mask(int size) => size == 8 ? -1L : (1L << (8 * size)) - 1;

    private static long Read(ReadOnlySpan<byte> span, HeaderField field) => (field.Size, field.BigEndian) switch
    {
        (1, _) => span[0],
        (2, true) => BinaryPrimitives.ReadUInt16BigEndian(span),
        (2, false) => BinaryPrimitives.ReadUInt16LittleEndian(span),
        (4, true) => BinaryPrimitives.ReadUInt32BigEndian(span),
        (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(span),
        (_, true) => BinaryPrimitives.ReadInt64BigEndian(span),
        _ => BinaryPrimitives.ReadInt64LittleEndian(span),
    };

    private static void Write(Span<byte> span, HeaderField field, long value)
    {
        switch (field.Size, field.BigEndian)
        {
            case (1, _): span[0] = (byte)value; break;
            case (2, true): BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value); break;
            case (2, false): BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
            case (4, true): BinaryPrimitives.WriteUInt32BigEndian(span, (uint)value); break;
            case (4, false): BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value); break;
            case (_, true): BinaryPrimitives.WriteInt64BigEndian(span, value); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
        }
    }
}
