namespace Scan.Tests.Reliability;

/// <summary>
/// Case counts that RELIABILITY.md quotes, read both by the tests that run the cases and by
/// <see cref="ReliabilityTableTests"/>, which checks the table against them.
/// </summary>
internal static class ReliabilityCaseCounts
{
    /// <summary>Kill points in one run of <see cref="InterruptionKillTests"/> (one complete run per test run).</summary>
    public const int KillPoints = 8;

    /// <summary>Kills that must land (the host may finish before the last one).</summary>
    public const int KillsRequired = KillPoints - 1;

    /// <summary>Crafted model files in <see cref="HostileFileTests"/>.</summary>
    public const int HostileModelCases = 5;

    /// <summary>Crafted PyTorch weight files in <see cref="HostileFileTests"/>.</summary>
    public const int HostileWeightCases = 6;

    /// <summary>Cross-process lock cases in <see cref="RunDirectoryProcessTests"/>: child holds, this process holds, released.</summary>
    public const int CrossProcessLockCases = 3;

    /// <summary>Unwritable run directory cases in <see cref="RunDirectoryProcessTests"/>: read-only folder, unopenable run.lock.</summary>
    public const int UnwritableRunDirectoryCases = 2;

    /// <summary>Building blocks <see cref="ThreadCountDeterminismTests"/> compares between 1 and 2 threads
    /// (<see cref="Scan.ReliabilityHost.ThreadBlocks"/>: every initial weight, gradient and batch-norm buffer counts as one).</summary>
    public const int ThreadBlocks = 175;

    /// <summary>Settable leaf options below ScanOptions, each covered by <see cref="OptionsCoverageTests"/>.</summary>
    public const int SettableOptions = 70;
}
