namespace Scan.Benchmarks;

/// <summary>
/// A side-by-side measurement against a reference implementation (a committed Python script under bench/reference)
/// run in the same process invocation, so the ratio is taken on the same machine state. Not a BenchmarkDotNet job:
/// the reference runs in another runtime.
/// </summary>
public interface IComparison
{
    /// <summary>Command-line name, e.g. "augment-vs-torchvision".</summary>
    string Name { get; }

    /// <summary>One line on what is compared.</summary>
    string Description { get; }

    /// <summary>Runs both sides, prints figures and the ratio; returns the process exit code.</summary>
    int Run(string[] args);
}
