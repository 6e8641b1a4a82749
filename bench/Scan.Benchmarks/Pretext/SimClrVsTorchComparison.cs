using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Benchmarks.Shared;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.Runtime;
using Scan.Core.Training;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;
using static Scan.Benchmarks.Shared.ComparisonSupport;

namespace Scan.Benchmarks.Pretext;

/// <summary>
/// SimCLR training throughput of <see cref="SimClrTrainer"/> against the same model, loss, optimiser and view recipe
/// in PyTorch (bench/reference/simclr_torch.py): small ResNet width 16, batch 256, 28x28x1 Fashion-MNIST, float32,
/// CPU, 2 threads on both sides. "train" is whole steps with augmentation (images per second of source images, each
/// giving two views); "step" is the model step alone on a fixed pair of views. The two sides alternate so that a
/// change in machine load hits both; each figure is the median over alternations.
/// The reference runs twice per alternation: in the environment it inherits, and "tuned" with glibc's allocator set
/// as NativeAllocator sets ours (MALLOC_ARENA_MAX=1, mmap and trim thresholds 1 GiB) and OMP_WAIT_POLICY removed
/// (passive waiting halves PyTorch's speed here). Ratios are taken against the faster of the two.
/// Run: MALLOC_ARENA_MAX=1 dotnet run -c Release --project bench/Scan.Benchmarks -- simclr-vs-torch
/// [--alternations 3] [--steps 10] [--rounds 3] [--python /usr/bin/python3]
/// (dotnet run sets MALLOC_ARENA_MAX=1 from the launch profile; the reference inherits the same environment.)
/// </summary>
public sealed class SimClrVsTorchComparison : IComparison
{
    private const int BatchSize = 256;
    private const int Width = 16;
    private const int Warmup = 3;

    public string Name => "simclr-vs-torch";

    public string Description => "SimCLR training img/s (augmentation included), small ResNet w16, batch 256, 28x28x1 vs PyTorch";

    public int Run(string[] args)
    {
        int alternations = IntOption(args, "--alternations", 3);
        int steps = IntOption(args, "--steps", 10);
        int rounds = IntOption(args, "--rounds", 3);
        string python = StringOption(args, "--python", "/usr/bin/python3");
        string script = FindRepositoryFile(Path.Combine("bench", "reference", "simclr_torch.py"));
        string images = FindRepositoryFile(Path.Combine("data", "fashion-mnist", "t10k-images-idx3-ubyte.gz"));

        torch.set_num_threads(2);
        bool tuned = NativeAllocator.Tune();
        var dataset = FashionMnist.LoadBundled();
        var normalization = NormalizationStats.FashionMnist;
        var views = AugmentationRecipes.SimClr(normalization, new SimClrViewOptions { Height = 28, Width = 28 });

        var inherited = (Train: new List<double>(), Step: new List<double>());
        var tunedReference = (Train: new List<double>(), Step: new List<double>());
        var tunedEnvironment = new Dictionary<string, string?>
        {
            ["MALLOC_ARENA_MAX"] = "1",
            ["MALLOC_MMAP_THRESHOLD_"] = "1073741824",
            ["MALLOC_TRIM_THRESHOLD_"] = "1073741824",
            ["OMP_WAIT_POLICY"] = null,
        };
        var ours = (Train: new List<double>(), Step: new List<double>());
        // Milliseconds per step in forward, loss, backward and optimizer, one entry per alternation (step-only rounds).
        var referencePhases = new List<double[]>();
        var ourPhases = new List<double[]>();
        string torchVersion = "?";
        var chosenLayout = ConvolutionLayout.Contiguous;
        for (int a = 0; a < alternations; a++)
        {
            foreach (var (environment, into) in new[] { ((Dictionary<string, string?>?)null, inherited), (tunedEnvironment, tunedReference) })
            {
                string json = RunPython(python, script, new[]
                {
                    "--images", images, "--batch", $"{BatchSize}", "--width", $"{Width}", "--warmup", $"{Warmup}",
                    "--steps", $"{steps}", "--rounds", $"{rounds}", "--threads", "2", "--seed", $"{a}",
                }, "PyTorch and torchvision (Debian: apt-get install python3-torch python3-torchvision)", environment);
                using var doc = JsonDocument.Parse(json);
                torchVersion = doc.RootElement.GetProperty("torch").GetString() ?? "?";
                into.Train.Add(doc.RootElement.GetProperty("train_images_per_second").GetDouble());
                into.Step.Add(doc.RootElement.GetProperty("step_images_per_second").GetDouble());
                if (environment is not null)
                {
                    var phases = doc.RootElement.GetProperty("step_phases_ms");
                    referencePhases.Add(PhaseNames.Select(name => phases.GetProperty(name).GetDouble()).ToArray());
                }
            }
            var (trainRate, layout) = TrainerRate(dataset, views, steps, rounds, seed: a);
            ours.Train.Add(trainRate);
            chosenLayout = layout;
            // The step alone runs in the convolution layout the trainer's Auto chose on this machine.
            var (rate, phaseMs) = StepRate(dataset, views, steps, rounds, seed: a, layout);
            ours.Step.Add(rate);
            ourPhases.Add(phaseMs);
        }

        Console.WriteLine($"simclr-vs-torch: small ResNet w{Width}, batch {BatchSize} (two views each), 28x28x1, float32, CPU, threads {torch.get_num_threads()}");
        Console.WriteLine($"reference: PyTorch {torchVersion} via {python} {script}; ours: SimClrTrainer on TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Console.WriteLine($"environment: MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "(unset)"}, " +
            $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}, allocator tuned in-process: {tuned}");
        Console.WriteLine($"{alternations} alternations x {rounds} rounds x {steps} steps after {Warmup} warm-up steps; medians in source images/s; " +
            $"our convolution layout (SimClrOptions.Layout = Auto, measured here): {chosenLayout}");
        Console.WriteLine($"{"measure",-28} {"PyTorch",10} {"PyTorch",10} {"Scan.NET",10} {"ratio (ours/faster ref)",24}");
        Console.WriteLine($"{"",-28} {"inherited",10} {"tuned",10}");
        Row("train (augmentation + step)", inherited.Train, tunedReference.Train, ours.Train);
        Row("step only (fixed views)", inherited.Step, tunedReference.Step, ours.Step);
        Console.WriteLine($"per alternation, train: PyTorch inherited [{Join(inherited.Train)}], tuned [{Join(tunedReference.Train)}], Scan.NET [{Join(ours.Train)}]");
        // Where a step's time goes, so a gap can be traced to a part (medians over alternations, tuned reference).
        Console.WriteLine($"step phases, ms per step (median over alternations): {"PyTorch tuned",14} {"Scan.NET",10} {"ours faster by",15}");
        for (int p = 0; p < PhaseNames.Length; p++)
        {
            double reference = Median(referencePhases.Select(v => v[p]).ToList()), own = Median(ourPhases.Select(v => v[p]).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {PhaseNames[p],-48} {reference,14:F1} {own,10:F1} {reference / Math.Max(own, 1e-9),15:F2}"));
        }
        return 0;

        static void Row(string name, List<double> inherited, List<double> tuned, List<double> ours)
        {
            double mi = Median(inherited), mt = Median(tuned), mo = Median(ours);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28} {mi,10:F0} {mt,10:F0} {mo,10:F0} {mo / Math.Max(mi, mt),24:F2}"));
        }

        static string Join(List<double> v) => string.Join(", ", v.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The real trainer on a subset of (warm-up + rounds x steps) batches, one epoch per measurement: the trainer's own
    /// per-epoch rate covers batch gathering, both views, forward, loss, backward, SGD and the schedule.
    /// </summary>
    private static (double Rate, ConvolutionLayout Layout) TrainerRate(IImageDataset dataset, IAugmentation views, int steps, int rounds, int seed)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        using var model = new ContrastiveModel(ResNetBackbone.Small(1, Width));
        var warmupSet = dataset.Subset(Enumerable.Range(0, Warmup * BatchSize).ToArray());
        var measuredSet = dataset.Subset(Enumerable.Range(0, steps * BatchSize).ToArray());
        var options = new SimClrOptions { Epochs = 1, BatchSize = BatchSize, LearningRate = 0.4, Layout = ConvolutionLayout.Auto };
        var layout = new SimClrTrainer(options, views, seed: seed).TrainAsync(model, warmupSet).GetAwaiter().GetResult().Layout;
        var rates = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var result = new SimClrTrainer(options, views, seed: seed + r).TrainAsync(model, measuredSet).GetAwaiter().GetResult();
            rates.Add(result.History[^1].ImagesPerSecond);
        }
        return (Median(rates), layout);
    }

    /// <summary>The parts of a step timed on both sides; names as the reference script reports them.</summary>
    private static readonly string[] PhaseNames = ["forward", "loss", "backward", "optimizer"];

    /// <summary>The model step alone (forward of both views, NT-Xent, backward, SGD) on one fixed pair of views, and
    /// the milliseconds per step each phase took (forward, loss, backward including zero_grad, optimizer step with
    /// the loss read back, as the reference splits it).</summary>
    private static (double Rate, double[] PhaseMs) StepRate(IImageDataset dataset, IAugmentation views, int steps, int rounds, int seed,
        ConvolutionLayout layout)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        var backbone = ResNetBackbone.Small(1, Width);
        backbone.Layout = layout;
        using var model = new ContrastiveModel(backbone);
        model.train();
        using var loss = new NTXentLoss(0.1);
        using var optimizer = optim.SGD(model.parameters(), 0.4, momentum: 0.9, weight_decay: 1e-4);
        using var generator = new Generator((ulong)seed);
        var images = dataset.GetBatch(Enumerable.Range(0, BatchSize).ToArray());
        var both = cat(new[] { views.Apply(images, generator), views.Apply(images, generator) }, 0);

        var phaseTicks = new long[PhaseNames.Length];
        bool timing = false;
        int timedSteps = 0;
        void Step()
        {
            using var stepScope = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            var z = model.forward(both).chunk(2, 0);
            long t1 = Stopwatch.GetTimestamp();
            var value = loss.forward(z[0], z[1]);
            long t2 = Stopwatch.GetTimestamp();
            optimizer.zero_grad();
            value.backward();
            long t3 = Stopwatch.GetTimestamp();
            optimizer.step();
            _ = value.item<float>();
            long t4 = Stopwatch.GetTimestamp();
            if (!timing)
                return;
            phaseTicks[0] += t1 - t0;
            phaseTicks[1] += t2 - t1;
            phaseTicks[2] += t3 - t2;
            phaseTicks[3] += t4 - t3;
            timedSteps++;
        }

        for (int i = 0; i < Warmup; i++)
            Step();
        timing = true;
        var rates = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
                Step();
            rates.Add(steps * BatchSize / watch.Elapsed.TotalSeconds);
        }
        return (Median(rates), phaseTicks.Select(t => t * 1000.0 / Stopwatch.Frequency / timedSteps).ToArray());
    }
}
