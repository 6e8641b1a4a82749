using System.Diagnostics;
using System.Globalization;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Runtime;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using TorchSharp;
using static Scan.Benchmarks.Shared.ComparisonSupport;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Soak;

/// <summary>
/// A memory soak: one long training stage on bundled Fashion-MNIST images, with the process's resident memory
/// (VmRSS from /proc/self/status, Process.WorkingSet64 elsewhere), the managed heap and TorchSharp's live tensor
/// counts recorded at the end of every epoch, on the training thread. Prints every epoch, then epoch 1 against the
/// maximum and the last epoch and the growth in percent; the target is growth within 10% of the value after epoch 1
/// (epoch 1 includes the first touch of every buffer, so it is the baseline). Exit code 0 when the target holds, 1
/// when resident memory or the live tensor count grew beyond it.
/// </summary>
/// <remarks>
/// Usage: <c>MALLOC_ARENA_MAX=1 OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project bench/Scan.Benchmarks --
/// soak [--stage simclr|selflabel] [--images 3072] [--epochs 50] [--width 16] [--batch 256] [--threads 2]
/// [--collect] [--threshold 0.15]</c>. "simclr" trains SimCLR with the SimCLR view recipe (SGD, two views per image);
/// "selflabel" fine-tunes an untrained 10-cluster model with weak and strong views (Adam; the low threshold makes
/// samples confident, so that every step has a backward pass). No
/// garbage collection is forced between epochs unless <c>--collect</c> is given: the figures are what an application
/// sees.
/// </remarks>
public sealed class MemorySoak : IComparison
{
    private const double MiB = 1024 * 1024;

    public string Name => "soak";

    public string Description => "50-epoch training on Fashion-MNIST: resident memory and live tensors per epoch, growth vs epoch 1 (target <= 10%)";

    public int Run(string[] args)
    {
        string stage = StringOption(args, "--stage", "simclr");
        int images = IntOption(args, "--images", 3072);
        int epochs = IntOption(args, "--epochs", 50, minimum: 2);
        int width = IntOption(args, "--width", 16);
        int batch = IntOption(args, "--batch", 256, minimum: 2);
        int threads = IntOption(args, "--threads", 2);
        bool collect = args.Contains("--collect");
        // An untrained 10-cluster model is rarely above 0.2 confident: a low threshold keeps the backward pass busy.
        double threshold = double.Parse(StringOption(args, "--threshold", "0.15"), CultureInfo.InvariantCulture);
        if (stage is not ("simclr" or "selflabel"))
            throw new ArgumentException($"--stage must be simclr or selflabel, got '{stage}'.", nameof(args));

        torch.set_num_threads(threads);
        bool tuned = NativeAllocator.Tune();
        var all = FashionMnist.LoadBundled();
        var dataset = all.Subset(Enumerable.Range(0, Math.Min(images, all.Count)).ToArray());
        var normalization = NormalizationStats.FashionMnist;
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        var probe = new Probe(samples, clock, collect);

        Console.WriteLine($"soak: {stage}, {dataset.Count} Fashion-MNIST images 28x28x1, small ResNet width {width}, batch {batch}, " +
            $"{epochs} epochs, {torch.get_num_threads()} threads, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Console.WriteLine($"environment: MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "(unset)"}, " +
            $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}, allocator tuned: {tuned}, " +
            $"forced GC per epoch: {collect}, resident memory from {(File.Exists("/proc/self/status") ? "/proc/self/status VmRSS" : "Process.WorkingSet64")}");
        long tensorsBefore = Tensor.TotalCount;
        Console.WriteLine($"before training: RSS {ResidentBytes() / MiB:F1} MiB, live tensors {tensorsBefore}");
        Console.WriteLine($"{"epoch",5} {"seconds",8} {"img/s",7} {"RSS MiB",9} {"managed MiB",11} {"live tensors",12} {"thread live",11} {"GCs",5} {"loss",8}");

        random.manual_seed(0);
        if (stage == "simclr")
        {
            using var model = new ContrastiveModel(ResNetBackbone.Small(1, width));
            var views = AugmentationRecipes.SimClr(normalization, new SimClrViewOptions { Height = 28, Width = 28 });
            var options = new SimClrOptions { Epochs = epochs, BatchSize = batch, LearningRate = 0.4 };
            new SimClrTrainer(options, views, seed: 1).TrainAsync(model, dataset, progress: probe).GetAwaiter().GetResult();
        }
        else
        {
            using var model = new ClusteringModel(ResNetBackbone.Small(1, width), clusters: 10);
            var weak = AugmentationRecipes.Weak(normalization, new WeakViewOptions());
            var strong = AugmentationRecipes.Strong(normalization, new StrongViewOptions());
            var options = new SelfLabelingOptions { Epochs = epochs, BatchSize = batch, ConfidenceThreshold = threshold };
            new SelfLabelingTrainer(options, weak, strong, seed: 1).TrainAsync(model, dataset, progress: probe).GetAwaiter().GetResult();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine($"after training and disposal, after a full GC: RSS {ResidentBytes() / MiB:F1} MiB, live tensors {Tensor.TotalCount} " +
            $"(before: {tensorsBefore}; TorchSharp 0.107 keeps one count per parameter ever created)");
        return Summarise(samples, epochs, clock.Elapsed);
    }

    private static int Summarise(List<Sample> samples, int epochs, TimeSpan elapsed)
    {
        if (samples.Count != epochs)
            throw new InvalidOperationException($"Expected {epochs} epoch samples, got {samples.Count}.");
        var first = samples[0];
        var last = samples[^1];
        long maxRss = samples.Max(s => s.ResidentBytes);
        long maxTensors = samples.Max(s => s.LiveTensors);
        double rssGrowthMax = 100.0 * (maxRss - first.ResidentBytes) / first.ResidentBytes;
        double rssGrowthLast = 100.0 * (last.ResidentBytes - first.ResidentBytes) / first.ResidentBytes;
        double tensorGrowth = 100.0 * (maxTensors - first.LiveTensors) / Math.Max(first.LiveTensors, 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RSS: epoch 1 {first.ResidentBytes / MiB:F1} MiB, max {maxRss / MiB:F1} MiB (epoch {samples.First(s => s.ResidentBytes == maxRss).Epoch}), " +
            $"last {last.ResidentBytes / MiB:F1} MiB; growth max {rssGrowthMax:+0.0;-0.0}%, last {rssGrowthLast:+0.0;-0.0}%"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live tensors: epoch 1 {first.LiveTensors}, max {maxTensors}, last {last.LiveTensors}; growth max {tensorGrowth:+0.0;-0.0}%; " +
            $"managed heap epoch 1 {first.ManagedBytes / MiB:F1} MiB, last {last.ManagedBytes / MiB:F1} MiB"));
        bool pass = rssGrowthMax <= 10 && tensorGrowth <= 10;
        Console.WriteLine($"verdict: {(pass ? "PASS" : "FAIL")} (target: within 10% of epoch 1); wall time {elapsed.TotalMinutes:F1} min");
        return pass ? 0 : 1;
    }

    private static long ResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static string ConfidentColumn(ScanProgress value) =>
        value.Metrics.TryGetValue("confident", out double confident)
            ? string.Create(CultureInfo.InvariantCulture, $" confident/batch {confident:F0}")
            : "";

    private sealed record Sample(int Epoch, long ResidentBytes, long ManagedBytes, long LiveTensors, long ThreadLiveTensors);

    /// <summary>Receives the trainer's reports on the training thread; samples once per completed epoch.</summary>
    private sealed class Probe(List<Sample> samples, Stopwatch clock, bool collect) : IProgress<ScanProgress>
    {
        private TimeSpan _lastEpochEnd;

        public void Report(ScanProgress value)
        {
            if (!value.EpochCompleted)
                return;
            if (collect)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            var sample = new Sample(value.Epoch, ResidentBytes(), GC.GetTotalMemory(false), Tensor.TotalCount,
                DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            samples.Add(sample);
            double seconds = (clock.Elapsed - _lastEpochEnd).TotalSeconds;
            _lastEpochEnd = clock.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{value.Epoch,5} {seconds,8:F1} {value.ImagesPerSecond,7:F0} {sample.ResidentBytes / MiB,9:F1} {sample.ManagedBytes / MiB,11:F1} " +
                $"{sample.LiveTensors,12} {sample.ThreadLiveTensors,11} {GC.CollectionCount(0),5} {value.Metrics["loss"],8:F4}{ConfidentColumn(value)}"));
        }
    }
}
