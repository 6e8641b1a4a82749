using System.Diagnostics;
using System.Globalization;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Data;
using Scan.Core.Models;
using Scan.Core.Runtime;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;
using static Scan.Benchmarks.Shared.ComparisonSupport;

namespace Scan.Benchmarks.Pretext;

/// <summary>
/// Is bfloat16 worth building into the trainers on this CPU? One SimCLR model step (forward of both views, NT-Xent,
/// backward, SGD) of the Quick preset's network (small ResNet w16, batch 256, 28x28x1) in three precisions, on one
/// fixed pair of views, alternating so that a change in machine load hits all three:
/// <list type="bullet">
/// <item>float32: what the trainers do today (the reference of the ratios);</item>
/// <item>bfloat16: weights, activations and SGD state all bfloat16 (the speed ceiling; updates of 1e-4 of a weight are
/// below bfloat16's resolution, so this is not a training recipe);</item>
/// <item>bfloat16 with float32 master weights: forward and backward in bfloat16, gradients copied to a float32 model
/// that SGD updates, weights copied back (what mixed precision without autocast costs in TorchSharp 0.107).</item>
/// </list>
/// The loss is computed in float32 in both bfloat16 variants. On CPUs with AMX-BF16 or AVX512-BF16, oneDNN runs the
/// bfloat16 convolutions on those units.
/// Run: dotnet run -c Release --project bench/Scan.Benchmarks -- precision [--alternations 3] [--steps 10] [--rounds 3]
/// </summary>
public sealed class PrecisionComparison : IComparison
{
    private const int BatchSize = 256;
    private const int Width = 16;
    private const int Warmup = 3;

    public string Name => "precision";

    public string Description => "SimCLR model step img/s in float32, bfloat16 and bfloat16 with float32 master weights (w16, batch 256, 28x28x1)";

    public int Run(string[] args)
    {
        int alternations = IntOption(args, "--alternations", 3);
        int steps = IntOption(args, "--steps", 10);
        int rounds = IntOption(args, "--rounds", 3);

        torch.set_num_threads(2);
        bool tuned = NativeAllocator.Tune();
        var dataset = FashionMnist.LoadBundled();
        var views = AugmentationRecipes.SimClr(NormalizationStats.FashionMnist, new SimClrViewOptions { Height = 28, Width = 28 });

        var rates = new Dictionary<string, List<double>> { ["float32"] = new(), ["bfloat16"] = new(), ["bfloat16, float32 master"] = new() };
        for (int a = 0; a < alternations; a++)
        {
            rates["float32"].Add(StepRate(dataset, views, steps, rounds, a, Precision.Float32));
            rates["bfloat16"].Add(StepRate(dataset, views, steps, rounds, a, Precision.BFloat16));
            rates["bfloat16, float32 master"].Add(StepRate(dataset, views, steps, rounds, a, Precision.BFloat16Master));
        }

        Console.WriteLine($"precision: small ResNet w{Width}, batch {BatchSize} (two views each), 28x28x1, CPU, threads {torch.get_num_threads()}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Console.WriteLine($"cpu: {CpuModel()}; bf16 units: {string.Join(", ", CpuFlags("amx_bf16", "avx512_bf16"))}");
        Console.WriteLine($"environment: MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "(unset)"}, " +
            $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}, allocator tuned in-process: {tuned}");
        Console.WriteLine($"{alternations} alternations x {rounds} rounds x {steps} steps after {Warmup} warm-up steps; medians in source images/s");
        double reference = Median(rates["float32"]);
        foreach (var (name, values) in rates)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-26} {Median(values),8:F0} img/s  {Median(values) / reference,6:F2}x float32  [{string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}]"));
        }
        return 0;
    }

    private enum Precision { Float32, BFloat16, BFloat16Master }

    private static double StepRate(IImageDataset dataset, IAugmentation views, int steps, int rounds, int seed, Precision precision)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        using var master = new ContrastiveModel(ResNetBackbone.Small(1, Width));
        using var generator = new Generator((ulong)seed);
        var images = dataset.GetBatch(Enumerable.Range(0, BatchSize).ToArray());
        var both = cat(new[] { views.Apply(images, generator), views.Apply(images, generator) }, 0);
        using var loss = new NTXentLoss(0.1);

        // The model that runs forward and backward: the master itself in float32, else a bfloat16 copy.
        ContrastiveModel compute = master;
        if (precision != Precision.Float32)
        {
            random.manual_seed(seed);
            compute = new ContrastiveModel(ResNetBackbone.Small(1, Width));
            compute.load_state_dict(master.state_dict());
            compute.to(ScalarType.BFloat16);
            both = both.to(ScalarType.BFloat16);
        }
        compute.train();
        var masterParameters = master.parameters().ToList();
        var computeParameters = compute.parameters().ToList();
        using var optimizer = optim.SGD(precision == Precision.BFloat16 ? computeParameters : masterParameters, 0.4, momentum: 0.9, weight_decay: 1e-4);

        void Step()
        {
            using var stepScope = NewDisposeScope();
            var z = compute.forward(both).to(ScalarType.Float32).chunk(2, 0);
            var value = loss.forward(z[0], z[1]);
            optimizer.zero_grad();
            if (precision == Precision.BFloat16Master)
                compute.zero_grad();
            value.backward();
            if (precision == Precision.BFloat16Master)
            {
                // d/dw of sum(w * g) is g: hands the bfloat16 gradients to the float32 weights as float32 gradients.
                using var carry = stack(masterParameters.Select((p, i) => (p * computeParameters[i].grad!.to(ScalarType.Float32)).sum())).sum();
                carry.backward();
            }
            optimizer.step();
            if (precision == Precision.BFloat16Master)
            {
                using var noGrad = no_grad();
                for (int i = 0; i < masterParameters.Count; i++)
                    computeParameters[i].copy_(masterParameters[i]);
            }
            _ = value.item<float>();
        }

        try
        {
            for (int i = 0; i < Warmup; i++)
                Step();
            var rates = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < steps; i++)
                    Step();
                rates.Add(steps * BatchSize / watch.Elapsed.TotalSeconds);
            }
            return Median(rates);
        }
        finally
        {
            if (!ReferenceEquals(compute, master))
                compute.Dispose();
        }
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    private static IEnumerable<string> CpuFlags(params string[] wanted)
    {
        if (!File.Exists("/proc/cpuinfo"))
            return new[] { "unknown" };
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?
            .Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? new HashSet<string>();
        var present = wanted.Where(flags.Contains).ToList();
        return present.Count > 0 ? present : new List<string> { "none" };
    }
}
