namespace Scan.Tests.Reliability;

/// <summary>How a mutated input was derived from its valid seed.</summary>
internal enum MutationKind
{
    /// <summary>The empty file.</summary>
    ZeroLength,

    /// <summary>One to eight bits inverted.</summary>
    BitFlips,

    /// <summary>One to four bytes replaced by boundary values (0x00, 0xFF, 0x7F, 0x80, 0x01) or random bytes.</summary>
    ByteOverwrites,

    /// <summary>Cut at a random offset.</summary>
    Truncation,

    /// <summary>Random or zero bytes appended.</summary>
    Extension,

    /// <summary>A named header field (a count, a size, a magic number) set to a boundary value: 0, -1, 2^31 - 1,
    /// 2^31, the seed's value ± 1, x 2, x 1000, ...</summary>
    HeaderField,
}
