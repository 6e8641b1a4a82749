namespace Scan.Tests.Reliability;

/// <summary>A mutated input and a description that reproduces it in a failure message.</summary>
internal sealed record Mutant(byte[] Bytes, MutationKind Kind, string Description)
{
    /// <summary>True when the bytes equal <paramref name="seed"/> (e.g. an overwrite with the byte already there).</summary>
    public bool SameAs(ReadOnlySpan<byte> seed) => Bytes.AsSpan().SequenceEqual(seed);
}
