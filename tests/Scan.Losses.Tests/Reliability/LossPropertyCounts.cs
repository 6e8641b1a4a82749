namespace Scan.Losses.Tests.Reliability;

/// <summary>The generated cases the loss property tests run; RELIABILITY.md's "Malformed loss inputs" row quotes them
/// (<see cref="LossReliabilityRowTests"/>).</summary>
internal static class LossPropertyCounts
{
    /// <summary><see cref="LossArgumentPropertyTests"/>: malformed calls of every loss.</summary>
    public const int MalformedCalls = 2000;

    /// <summary><see cref="LossArgumentPropertyTests"/>: malformed calls of the entropy.</summary>
    public const int MalformedEntropyCalls = 1000;

    /// <summary><see cref="LossValuePropertyTests"/>: valid random inputs per property.</summary>
    public const int ValidCasesPerProperty = 1000;
}
