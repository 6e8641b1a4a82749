using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Losses;

/// <summary>
/// Forward + backward of the three losses in Scan.Losses against the same algorithms in PyTorch
/// (bench/reference/losses_torch.py), B = 512, C = 10, D = 128, float32, CPU, 2 threads on both sides. The two sides
/// alternate (reference, ours, reference, ours, ...) so that a change in machine load hits both; each figure is the
/// median over the alternations of the median round time.
/// Run: dotnet run -c Release --project bench/Scan.Benchmarks -- losses-vs-torch [--alternations 5] [--rounds 5]
/// [--iterations 30] [--python /usr/bin/python3]
/// </summary>
public sealed class LossesVsTorchComparison : IComparison
{
    private static readonly string[] Losses = { "ntxent", "scan", "confidence" };

    public string Name => "losses-vs-torch";

    public string Description => "NT-Xent, SCAN and confidence CE fwd+bwd at B=512, C=10, D=128 vs PyTorch";

    public int Run(string[] args)
    {
        int alternations = IntOption(args, "--alternations", 5);
        int rounds = IntOption(args, "--rounds", 5);
        int iterations = IntOption(args, "--iterations", 30);
        const int warmup = 20;
        string python = StringOption(args, "--python", "/usr/bin/python3");
        string script = FindReferenceScript();

        torch.set_num_threads(2);
        using var batch = new LossBatch();
        using var ntXent = new NTXentLoss(0.1);
        var scan = new ScanLoss(5.0);
        var confidence = new ConfidenceCrossEntropyLoss(0.99, classBalance: true);
        var steps = new Dictionary<string, Action>
        {
            ["ntxent"] = () =>
            {
                using var scope = NewDisposeScope();
                ntXent.forward(LossBatch.Leaf(batch.View1), LossBatch.Leaf(batch.View2)).backward();
            },
            ["scan"] = () =>
            {
                using var scope = NewDisposeScope();
                scan.Compute(LossBatch.Leaf(batch.Anchor), LossBatch.Leaf(batch.Neighbor)).Total.backward();
            },
            ["confidence"] = () =>
            {
                using var scope = NewDisposeScope();
                confidence.Compute(batch.Weak, LossBatch.Leaf(batch.Strong)).Loss.backward();
            },
        };

        var reference = Losses.ToDictionary(l => l, _ => new List<double>());
        var ours = Losses.ToDictionary(l => l, _ => new List<double>());
        string torchVersion = "?";
        for (int a = 0; a < alternations; a++)
        {
            using var json = RunReference(python, script, warmup, rounds, iterations);
            torchVersion = json.RootElement.GetProperty("torch").GetString() ?? "?";
            foreach (var loss in Losses)
                reference[loss].Add(json.RootElement.GetProperty(loss).GetDouble());
            foreach (var loss in Losses)
                ours[loss].Add(Time(steps[loss], warmup, rounds, iterations));
        }

        Console.WriteLine($"losses-vs-torch: forward+backward, B=512 C=10 D=128, float32, CPU, threads {torch.get_num_threads()} (reference {torch.get_num_threads()} set by the script)");
        Console.WriteLine($"reference: PyTorch {torchVersion} via {python} {script}; ours: Scan.Losses on TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Console.WriteLine($"{alternations} alternations x {rounds} rounds x {iterations} steps after {warmup} warm-up steps; medians in ms per step");
        Console.WriteLine($"{"loss",-12} {"PyTorch ms",12} {"Scan.NET ms",12} {"ratio (ours/ref)",18}");
        foreach (var loss in Losses)
        {
            double r = Median(reference[loss]), o = Median(ours[loss]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{loss,-12} {r,12:F3} {o,12:F3} {o / r,18:F2}"));
        }
        return 0;
    }

    /// <summary>Median over rounds of the mean time per step, in milliseconds, after a warm-up.</summary>
    private static double Time(Action step, int warmup, int rounds, int iterations)
    {
        for (int i = 0; i < warmup; i++)
            step();
        var perRound = new List<double>(rounds);
        for (int r = 0; r < rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++)
                step();
            perRound.Add(watch.Elapsed.TotalMilliseconds / iterations);
        }
        return Median(perRound);
    }

    private static JsonDocument RunReference(string python, string script, int warmup, int rounds, int iterations)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "--warmup", $"{warmup}", "--rounds", $"{rounds}", "--iterations", $"{iterations}" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start the reference: {python} {script}.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"The reference {script} exited with code {process.ExitCode}; it needs PyTorch (Debian: apt-get install python3-torch). stderr: {stderr.Result}");
        return JsonDocument.Parse(stdout);
    }

    /// <summary>bench/reference/losses_torch.py, searched upwards from the working directory and the binaries.</summary>
    private static string FindReferenceScript()
    {
        foreach (var origin in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "bench", "reference", "losses_torch.py");
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new FileNotFoundException(
            "bench/reference/losses_torch.py was not found above the working directory or the binaries; run from the repository.");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0)
            return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) || value < 1)
            throw new ArgumentException($"{name} needs a positive integer; got '{(i + 1 < args.Length ? args[i + 1] : "")}'.", nameof(args));
        return value;
    }

    private static string StringOption(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0)
            return fallback;
        if (i + 1 >= args.Length)
            throw new ArgumentException($"{name} needs a value.", nameof(args));
        return args[i + 1];
    }
}
