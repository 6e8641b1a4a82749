using System.Diagnostics;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Feeds mutated files to one loader and sorts what happens into: loaded; rejected with a documented exception whose
/// message names the file; or a fault. Faults are any other exception (a native crash takes the test host down
/// and fails the run as well), a case that does not finish within <see cref="CaseTimeout"/> (a hang), a case that
/// allocates more than <see cref="AllocationLimit"/> of managed memory (a header believed before the data was
/// checked), and a damaged file accepted where every change must be detected. Counts go to the test output, so a
/// report can quote how many cases ran. Mutants come from a <see cref="Mutator"/> with a fixed seed number, so a
/// failing case reproduces; with the environment variable SCAN_FUZZ_TRACE set to a file, each case is appended to it
/// before it runs, which finds the input when a case takes the whole process down.
/// </summary>
internal sealed class LoaderFuzzer
{
    private readonly string _loader;
    private readonly ITestOutputHelper _output;
    private readonly Type[] _documented;
    private readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<MutationKind, int> _kinds = new();
    private readonly List<string> _faults = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CaseThread _thread;
    private TimeSpan _slowest;
    private long _mostAllocated;

    /// <param name="loader">The loader's name in the report, e.g. "IdxDataset.Open (images, raw)".</param>
    /// <param name="output">Where the counts are written.</param>
    /// <param name="documented">The exception types the loader documents for bad content.</param>
    public LoaderFuzzer(string loader, ITestOutputHelper output, params Type[] documented)
    {
        _loader = loader;
        _output = output;
        _documented = documented;
        _thread = new CaseThread("fuzz " + loader);
    }

    /// <summary>Longest a single case may take: far above the milliseconds a small seed needs even on a loaded
    /// machine, so only a hang trips it.</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Managed bytes one case may allocate. Seeds are a few kilobytes, so tens of megabytes can only come
    /// from trusting a corrupted count or size.</summary>
    public long AllocationLimit { get; init; } = 64L << 20;

    /// <summary>Require the mutated file's path in every rejection message (the loaders document that they name it).</summary>
    public bool MessageNamesFile { get; init; } = true;

    /// <summary>Cases tried so far.</summary>
    public int Cases { get; private set; }

    /// <summary>Tries <paramref name="cases"/> mutants of <paramref name="seed"/>, one after the other, in
    /// <paramref name="path"/>.</summary>
    /// <param name="cases">How many mutants.</param>
    /// <param name="mutator">Source of the mutants (its seed number makes the run reproducible).</param>
    /// <param name="seed">Valid content.</param>
    /// <param name="path">The file the loader reads.</param>
    /// <param name="load">Opens the file and uses the result.</param>
    /// <param name="fields">Header fields worth corrupting, or null.</param>
    /// <param name="encode">Applied to each mutant before writing (e.g. gzip, or a container with a fresh
    /// checksum, so the mutation reaches the parser behind it), or null.</param>
    /// <param name="everyChangeDetected">The format detects any change to the seed (a checksum).</param>
    public void Run(int cases, Mutator mutator, byte[] seed, string path, Action load,
        IReadOnlyList<HeaderField>? fields = null, Func<byte[], byte[]>? encode = null, bool everyChangeDetected = false)
    {
        for (int i = 0; i < cases; i++)
        {
            var mutant = mutator.Next(seed, fields);
            bool changed = !mutant.SameAs(seed);
            if (encode is not null)
                mutant = mutant with { Bytes = encode(mutant.Bytes) };
            Try(mutant, path, load, mustReject: everyChangeDetected && changed, identical: !changed);
        }
    }

    /// <summary>Writes <paramref name="mutant"/> to <paramref name="path"/> and runs <paramref name="load"/> on it.</summary>
    /// <param name="mutant">The damaged content.</param>
    /// <param name="path">The file the loader reads.</param>
    /// <param name="load">Opens the file and uses what it returns (e.g. reads every image), then disposes it.</param>
    /// <param name="mustReject">The file differs from its seed in a format that detects every change (a checksum),
    /// so it must be rejected.</param>
    /// <param name="identical">The mutation left the seed as it was (e.g. a byte overwritten with itself); counted
    /// apart, so "loaded" means a changed file that loaded.</param>
    public void Try(Mutant mutant, string path, Action load, bool mustReject = false, bool identical = false)
    {
        File.WriteAllBytes(path, mutant.Bytes);
        Cases++;
        _kinds[mutant.Kind] = _kinds.GetValueOrDefault(mutant.Kind) + 1;

        if (Environment.GetEnvironmentVariable("SCAN_FUZZ_TRACE") is { } trace)
            File.AppendAllText(trace, $"{_loader} case {Cases}: {mutant.Description}\n");
        var started = Stopwatch.StartNew();
        bool finished = _thread.Run(load, CaseTimeout, out var error, out long allocated);
        var elapsed = started.Elapsed;
        if (!finished)
        {
            // The loader still holds the file; nothing after this case would be trustworthy.
            _faults.Add($"case {Cases} ({mutant.Description}): did not finish within {CaseTimeout.TotalSeconds:F0} s (hang)");
            Finish(Cases);
            return;
        }

        _slowest = elapsed > _slowest ? elapsed : _slowest;
        _mostAllocated = Math.Max(_mostAllocated, allocated);
        if (allocated > AllocationLimit)
            _faults.Add($"case {Cases} ({mutant.Description}): allocated {allocated:N0} bytes, over the {AllocationLimit:N0}-byte bound");

        if (error is null)
        {
            Count(identical ? "loaded unchanged" : "loaded");
            if (mustReject)
                _faults.Add($"case {Cases} ({mutant.Description}): the damaged file was accepted");
            return;
        }

        string type = error.GetType().Name;
        if (!_documented.Any(t => t.IsInstanceOfType(error)))
        {
            Count("fault " + type);
            _faults.Add($"case {Cases} ({mutant.Description}): undocumented {error.GetType().FullName}: {error.Message}");
            return;
        }

        Count("rejected " + type);
        if (MessageNamesFile && !error.Message.Contains(path, StringComparison.Ordinal))
            _faults.Add($"case {Cases} ({mutant.Description}): {type} does not name '{path}': {error.Message}");
    }

    /// <summary>Writes the counts to the test output and fails the test if any case faulted or if it ran another
    /// number of cases than <paramref name="expectedCases"/>, the count RELIABILITY.md quotes
    /// (<see cref="ReliabilityCaseCounts"/>, checked against the table by <see cref="ReliabilityTableTests"/>).</summary>
    public void Finish(int expectedCases)
    {
        _thread.Dispose();
        string outcomes = string.Join(", ", _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
        string kinds = string.Join(", ", _kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"));
        _output.WriteLine(
            $"{_loader}: {Cases} mutated inputs in {_clock.Elapsed.TotalSeconds:F1} s; {outcomes}; faults {_faults.Count}. " +
            $"Mutations: {kinds}. Slowest case {_slowest.TotalMilliseconds:F0} ms, most managed memory in one case {_mostAllocated:N0} bytes.");
        foreach (string fault in _faults.Take(20))
            _output.WriteLine("  FAULT " + fault);
        Cases.Should().Be(expectedCases, $"{_loader}: RELIABILITY.md quotes {expectedCases} cases (ReliabilityCaseCounts)");
        _faults.Should().BeEmpty($"{_loader} must reject damaged input only with {string.Join(" or ", _documented.Select(t => t.Name))} naming the file");
    }

    private void Count(string outcome) => _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
}
