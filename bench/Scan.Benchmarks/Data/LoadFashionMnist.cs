using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Data;

/// <summary>
/// Time and memory to load all 70,000 Fashion-MNIST images (train + test .gz files) with
/// <see cref="FashionMnist.Load"/> and read every image once as float32 batches, the way a training epoch does.
/// Targets from issue 4: under 2 s and under 300 MB. Not a side-by-side comparison: there is no reference run, only
/// our figures (wall time per phase, peak working set of the whole process, managed heap).
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- load-fashion-mnist [--directory DIR]
/// [--rounds 5] [--batch 1024]</c>. Round 1 is cold for the process (JIT, first touch of memory); later rounds are
/// warm. The .gz files are in the OS page cache after the first run of the command, so disk speed does not enter.
/// </remarks>
public sealed class LoadFashionMnist : IComparison
{
    private const double MiB = 1024 * 1024;

    public string Name => "load-fashion-mnist";

    public string Description => "Load all 70k Fashion-MNIST images (.gz) and read them once as float batches: wall time and peak memory";

    public int Run(string[] args)
    {
        string directory = FashionMnist.DebianDirectory;
        int rounds = 5, batchSize = 1024;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--directory": directory = args[i + 1]; break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--batch": batchSize = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'; expected --directory, --rounds or --batch.");
            }
        }

        // Load libtorch before measuring, so the baseline holds the runtime and native libraries and the
        // figures below are the loader's own.
        using (var warm = ones(1))
            _ = warm.sum().item<float>();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        double baseline = process.WorkingSet64 / MiB;
        Console.WriteLine($"Fashion-MNIST All (train + test) from {directory}; float batches of {batchSize}; torch threads {get_num_threads()}.");
        Console.WriteLine($"Baseline working set (runtime + TorchSharp loaded): {baseline:F0} MiB");
        Console.WriteLine($"Load average at start: {LoadAverage()} (CPU time is less sensitive than wall time to other work on the machine).");
        Console.WriteLine($"{"round",5} {"open (s)",9} {"read all (s)",13} {"total (s)",10} {"CPU (s)",8} {"images",7} {"peak WS (MiB)",14} {"GC heap (MiB)",14}");

        var totals = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            // Let the previous round's pixel arrays go, so the peak reflects one load, not several.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var (open, total, cpu, count) = MeasureRound(process, directory, batchSize);
            totals.Add(total);
            process.Refresh();
            double heap = GC.GetGCMemoryInfo().HeapSizeBytes / MiB;
            Console.WriteLine($"{round,5} {open,9:F3} {total - open,13:F3} {total,10:F3} {cpu,8:F3} {count,7} {process.PeakWorkingSet64 / MiB,14:F0} {heap,14:F0}");
        }

        Console.WriteLine($"Total time: cold (round 1) {totals[0]:F3} s, median of {rounds} rounds {Median(totals):F3} s. " +
                          $"Peak working set of the process: {process.PeakWorkingSet64 / MiB:F0} MiB " +
                          $"({process.PeakWorkingSet64 / MiB - baseline:F0} MiB above the baseline). " +
                          $"Managed bytes allocated in all: {GC.GetTotalAllocatedBytes() / MiB:F0} MiB.");
        Console.WriteLine($"Load average at end: {LoadAverage()}");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>One load and pass, in its own frame so nothing of it stays reachable after it returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (double Open, double Total, double Cpu, int Count) MeasureRound(Process process, string directory, int batchSize)
    {
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var dataset = FashionMnist.Load(FashionMnistSplit.All, directory);
        double open = clock.Elapsed.TotalSeconds;
        long read = ReadEveryImage(dataset, batchSize);
        double total = clock.Elapsed.TotalSeconds;
        process.Refresh();
        if (read != dataset.Count)
            throw new InvalidOperationException($"Read {read} of {dataset.Count} images.");
        return (open, total, (process.TotalProcessorTime - cpuBefore).TotalSeconds, dataset.Count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Reads every image once as float32 batches (N, 1, 28, 28) and returns how many images were read.
    /// The batches are only counted: a libtorch reduction on each would add its own threading cost to the figure.</summary>
    private static long ReadEveryImage(IImageDataset dataset, int batchSize)
    {
        long read = 0;
        var indices = new int[batchSize];
        for (int start = 0; start < dataset.Count; start += batchSize)
        {
            int length = Math.Min(batchSize, dataset.Count - start);
            for (int i = 0; i < length; i++)
                indices[i] = start + i;
            using var batch = dataset.GetBatch(indices.AsSpan(0, length));
            read += batch.shape[0];
        }

        return read;
    }
}
