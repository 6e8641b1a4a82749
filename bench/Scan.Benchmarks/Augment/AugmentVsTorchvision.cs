using System.Diagnostics;
using System.Globalization;
using Scan.Augment;
using Scan.Augment.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Augment;

/// <summary>
/// SCAN's augmentation recipes on Fashion-MNIST 28x28, batches of 256, two views per image: Scan.Augment (batched
/// tensors) against torchvision's PIL pipeline (bench/reference/augment_torchvision.py, one image at a time), run
/// side by side in this process invocation with 2 threads on both sides.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- augment-vs-torchvision [--rounds 3]
/// [--seconds 3] [--reference-batches 20] [--data file.gz] [--recipes simclr,strong] [--channels 3,1]</c>.
/// Each round measures the reference, then ours; the median rate over rounds is reported, with the ratio.
/// </remarks>
public sealed class AugmentVsTorchvision : IComparison
{
    private const int BatchSize = 256;
    private const int Threads = 2;

    public string Name => "augment-vs-torchvision";

    public string Description => "SimCLR/strong two-view augmentation, Fashion-MNIST 28x28, batch 256: Scan.Augment vs torchvision PIL";

    public int Run(string[] args)
    {
        var options = Options.Parse(args);
        torch.set_num_threads(Threads);
        var script = FindReferenceScript();
        using var grey = FashionMnistImages.Load(options.DataPath);
        using var rgb = grey.expand(-1, 3, -1, -1).contiguous();

        Console.WriteLine($"Fashion-MNIST {grey.shape[0]} images from {options.DataPath}; batch {BatchSize}, two views per image; " +
                          $"torch threads {Threads} on both sides; median of {options.Rounds} rounds.");
        Console.WriteLine($"{"recipe",-8} {"channels",8} {"torchvision img/s",18} {"Scan.Augment img/s",19} {"ratio",7}");
        foreach (var recipe in options.Recipes)
        {
            foreach (var channels in options.Channels)
            {
                var images = channels == 3 ? rgb : grey;
                var augmentation = recipe == "simclr"
                    ? AugmentationRecipes.SimClr(NormalizationStats.FashionMnist)
                    : AugmentationRecipes.Strong(NormalizationStats.FashionMnist);
                var reference = new List<double>();
                var ours = new List<double>();
                for (var round = 0; round < options.Rounds; round++)
                {
                    reference.Add(RunReference(script, recipe, channels, options));
                    ours.Add(RunOurs(augmentation, images, options.Seconds));
                }

                var (r, o) = (Median(reference), Median(ours));
                Console.WriteLine($"{recipe,-8} {channels,8} {r,18:F0} {o,19:F0} {o / r,6:F1}x");
            }
        }

        return 0;
    }

    /// <summary>Source images per second: each batch of 256 gives two independently augmented views.</summary>
    private static double RunOurs(IAugmentation augmentation, Tensor images, double seconds)
    {
        using var generator = new Generator(0);
        var count = images.shape[0];
        void Batch(long b)
        {
            using var scope = torch.NewDisposeScope();
            var start = b * BatchSize % (count - BatchSize);
            var batch = images.narrow(0, start, BatchSize);
            augmentation.Apply(batch, generator);
            augmentation.Apply(batch, generator);
        }

        for (var warmup = 0; warmup < 3; warmup++)
            Batch(warmup);
        var clock = Stopwatch.StartNew();
        long batches = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
            Batch(batches++);
        return batches * BatchSize / clock.Elapsed.TotalSeconds;
    }

    private static double RunReference(string script, string recipe, int channels, Options options)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { script, "--recipe", recipe, "--channels", channels.ToString(CultureInfo.InvariantCulture),
                     "--batch", BatchSize.ToString(CultureInfo.InvariantCulture), "--batches", options.ReferenceBatches.ToString(CultureInfo.InvariantCulture),
                     "--threads", Threads.ToString(CultureInfo.InvariantCulture), "--data", options.DataPath })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("images_per_second=", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"reference script failed (exit {process.ExitCode}): {stderr}{stdout}");
        return double.Parse(line["images_per_second=".Length..], CultureInfo.InvariantCulture);
    }

    private static string FindReferenceScript()
    {
        const string relative = "bench/reference/augment_torchvision.py";
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {Directory.GetCurrentDirectory()}; run from the repository.");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Options(int Rounds, double Seconds, int ReferenceBatches, string DataPath, string[] Recipes, int[] Channels)
    {
        internal static Options Parse(string[] args)
        {
            var o = new Options(3, 3.0, 20, FashionMnistImages.DefaultPath, ["simclr", "strong"], [3, 1]);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                var value = args[i + 1];
                o = args[i] switch
                {
                    "--rounds" => o with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--seconds" => o with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--reference-batches" => o with { ReferenceBatches = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--data" => o with { DataPath = value },
                    "--recipes" => o with { Recipes = value.Split(',') },
                    "--channels" => o with { Channels = value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() },
                    _ => throw new ArgumentException($"unknown option {args[i]}; see the remarks of {nameof(AugmentVsTorchvision)}."),
                };
            }

            return o;
        }
    }
}
