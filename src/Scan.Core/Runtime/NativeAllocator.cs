using System.Runtime.InteropServices;

namespace Scan.Core.Runtime;

/// <summary>
/// Tunes the C library's allocator for libtorch on Linux, where its defaults cost CPU training more than half its speed.
/// Infrastructure: the process environment is the switch (README, "Process-wide allocator tuning"), not this class.
/// </summary>
/// <remarks>
/// <para>
/// libtorch takes every tensor's storage from <c>malloc</c>. A training step allocates and frees tens of activation
/// tensors of several MiB each. glibc serves blocks above its mmap threshold with a fresh <c>mmap</c>, gives freed
/// heap back to the kernel above its trim threshold, and gives each thread that allocates its own arena, whose heaps
/// cannot hold blocks over 64 MiB. So, by default, every step page-faults its working set in again.
/// </para>
/// <para>
/// <see cref="Tune"/> raises the mmap and trim thresholds to 1 GiB through <c>mallopt</c>, so freed blocks stay in the
/// process and are reused; resident memory then stays near its peak instead of falling between steps (which is also
/// what keeps it flat across epochs). The setting is process-wide, so only training tunes it by itself. The library
/// calls this class from one place, <c>ImageReader.Prepare</c>, which every read of images goes through before its
/// first tensor: training reads (the trainers' batch sources, <c>ScanPipeline.RunAsync</c>, the normalisation
/// statistics) call <see cref="Tune"/>; inference reads (<c>ScanModel.Predict</c>, <c>PredictFiles</c>,
/// <c>FeatureExtractor.Embed</c>) call <see cref="TuneForInference"/>,
/// which tunes only when the environment variable <c>SCAN_NATIVE_ALLOCATOR</c> is <c>tuned</c>, so a web host that
/// only predicts keeps the C library's behaviour unless it asks. It is idempotent and does nothing on other systems,
/// under another C library, or when <c>SCAN_NATIVE_ALLOCATOR</c> is <c>default</c> (the opt-out for a host that trains
/// in-process and wants its allocator left alone).
/// Measured cost in a host: after 10,000 Fashion-MNIST predictions (width-16 small ResNet, batch 256) the tuned
/// process kept its peak of about 0.6 GB resident, where the untuned one gave back up to about 70 MB; a prediction
/// pass took 3.9-4.4 s tuned against 5.6-8.0 s untuned in three of four paired runs on a loaded 2-core machine, and
/// the same in the fourth.
/// </para>
/// <para>
/// The arena count cannot be changed for threads that already allocated, so it has to be set before the process
/// starts: <c>MALLOC_ARENA_MAX=1</c> (see <see cref="SingleArena"/>). SimCLR on 2,560 Fashion-MNIST images, width-16
/// small ResNet, batch 256, 2 threads, third epoch, on the 2-core reference machine: 221-429 img/s with the C library's
/// defaults, 341-591 with <see cref="Tune"/> alone, 837-888 with <see cref="Tune"/> and <c>MALLOC_ARENA_MAX=1</c>
/// (page faults 1.2-2.9 million against 0.33 million). The samples, tests and benchmarks set it in their launch
/// settings; set it in your own app's environment (service unit, container, launch profile) as well.
/// </para>
/// </remarks>
internal static class NativeAllocator
{
    /// <summary>Environment variable: <c>default</c> leaves the C library's allocator settings alone; <c>tuned</c>
    /// tunes them for inference too; unset (or anything else), only training tunes them.</summary>
    public const string ModeVariable = "SCAN_NATIVE_ALLOCATOR";

    private const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD in glibc's malloc.h
    private const int MallocMmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int Threshold = 1 << 30;

    private static readonly Lazy<bool> Applied = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the allocator has been tuned in this process.</summary>
    public static bool IsTuned => Applied.IsValueCreated && Applied.Value;

    /// <summary>
    /// Whether this process was started with <c>MALLOC_ARENA_MAX=1</c>, so that every thread shares glibc's main
    /// arena (see the remarks). Without it, <see cref="Tune"/> recovers only part of the speed on Linux.
    /// </summary>
    public static bool SingleArena => Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") == "1";

    /// <summary>
    /// Raises glibc's mmap and trim thresholds to 1 GiB (see the remarks). Returns whether they are in effect: false
    /// on systems other than Linux with glibc, or when <see cref="ModeVariable"/> is <c>default</c>.
    /// </summary>
    public static bool Tune() => Applied.Value;

    /// <summary>Whether <see cref="ModeVariable"/> asks for the tuning in inference too (<c>tuned</c>).</summary>
    public static bool TunesInference => IsMode("tuned");

    /// <summary>
    /// Called by the inference entry points: <see cref="Tune"/> when <see cref="ModeVariable"/> is <c>tuned</c>,
    /// else nothing (a host's allocator is not ours to retune unasked). Returns whether the tuning is in effect.
    /// </summary>
    public static bool TuneForInference() => TunesInference ? Tune() : IsTuned;

    private static bool IsMode(string mode) =>
        string.Equals(Environment.GetEnvironmentVariable(ModeVariable), mode, StringComparison.OrdinalIgnoreCase);

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        if (IsMode("default"))
            return false;
        try
        {
            // mallopt returns 1 on success; musl's is a stub that returns 0, which leaves its own allocator as it is.
            return mallopt(MallocMmapThreshold, Threshold) == 1 && mallopt(MallocTrimThreshold, Threshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
#pragma warning disable SYSLIB1054 // A blittable (int, int) -> int call: no marshalling for LibraryImport to generate.
    private static extern int mallopt(int parameter, int value);
#pragma warning restore SYSLIB1054
}
