namespace Scan.Benchmarks.Mining;

/// <summary>
/// The process's resident memory from /proc/self/status (Linux): VmRSS now and VmHWM, its peak since the last
/// <see cref="ResetPeak"/> (writing "5" to /proc/self/clear_refs resets the peak to the current RSS, Linux 4.0+).
/// Counts native (libtorch) and managed memory alike.
/// </summary>
internal static class PeakMemory
{
    public static bool Available => File.Exists("/proc/self/status") && File.Exists("/proc/self/clear_refs");

    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    public static long ResidentBytes => Read("VmRSS:");

    public static long PeakResidentBytes => Read("VmHWM:");

    private static long Read(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {key} line.");
    }
}
