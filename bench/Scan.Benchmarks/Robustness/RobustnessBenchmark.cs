using System.Diagnostics;
using System.Globalization;
using System.Text;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Mining;
using Scan.Core.Pipeline;
using Scan.Core.Pipeline.Fitting;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using static Scan.Benchmarks.Shared.ComparisonSupport;

namespace Scan.Benchmarks.Robustness;

/// <summary>
/// SCAN on datasets of several sizes, shapes and class balances, next to k-means on raw pixels and k-means on the
/// trained model's backbone features. Every dataset is drawn here with a fixed seed (this file is the script that
/// makes them). Rows are appended to the Markdown output as they finish, so a long run leaves partial results.
/// Run: dotnet run -c Release --project bench/Scan.Benchmarks -- robustness [--rows NAMES] [--seed S] [--set Section.Property=value] [--out FILE] [--smoke]
/// NAMES is a comma-separated list of row names (see <c>list</c> in the usage line); --smoke shortens every stage.
/// </summary>
public sealed class RobustnessBenchmark : IComparison
{
    /// <summary>Seed of the data draws (fixed: every run sees the same subsets) and, unless --seed says otherwise, of SCAN.</summary>
    private const int Seed = 0;

    private static long s_scanSeed = Seed;

    public string Name => "robustness";

    public string Description => "SCAN vs k-means (pixels, backbone features) on Fashion-MNIST subsets, imbalance, K!=C, 64x64 RGB and synthetic shape folders";

    private static readonly string[] AllRows =
    [
        "fmnist-500", "fmnist-1000", "fmnist-2000", "fmnist-5000", "fmnist-10000", "fmnist-60000",
        "fmnist-2000-rgb64-folder", "fmnist-imbalance-10to1", "fmnist-2000-k5", "fmnist-2000-k20", "shapes-folder", "digits-folder",
    ];

    /// <summary>
    /// The one place that decides the SCAN options of a row: the data-fitted defaults a user gets
    /// (<see cref="ScanPresets.ForAsync"/> with its default budget), with the benchmark's seed.
    /// </summary>
    internal static FittedOptions OptionsFor(IImageDataset data, int clusters)
    {
        var fitted = ScanPresets.ForAsync(data, clusters).GetAwaiter().GetResult();
        fitted.Options.Seed = s_scanSeed;
        return fitted;
    }

    public int Run(string[] args)
    {
        string rowsArg = StringOption(args, "--rows", string.Join(",", AllRows));
        string outPath = StringOption(args, "--out", Path.Combine(FindRepositoryDirectory(), "bench", "results", "robustness.md"));
        bool smoke = args.Contains("--smoke");
        s_scanSeed = long.Parse(StringOption(args, "--seed", Seed.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        s_overrides = args.Select((a, i) => (a, i)).Where(p => p.a == "--set" && p.i + 1 < args.Length)
            .Select(p => args[p.i + 1].Split('=', 2)).Select(kv => (Path: kv[0].Split('.', 2), Value: kv[1]))
            .Select(x => (x.Path[0], x.Path[1], x.Value)).ToList();
        var rows = rowsArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string r in rows)
        {
            if (!AllRows.Contains(r))
                throw new ArgumentException($"robustness: unknown row '{r}'; expected one of {string.Join(", ", AllRows)}.");
        }

        torch.set_num_threads(2);
        string header =
            $"\n## robustness run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, SCAN seed {s_scanSeed}{(smoke ? " (--smoke: shortened stages, figures not meaningful)" : "")}\n\n" +
            "| row | images | K | method | wall s | ACC | NMI | ARI | empty clusters |\n|---|---|---|---|---|---|---|---|---|\n";
        Append(outPath, header);
        foreach (string row in rows)
        {
            using var scope = NewDisposeScope();
            var (data, k) = MakeRow(row, smoke);
            foreach (string line in RunRow(row, data, k, smoke))
                Append(outPath, line + "\n");
            (data as IDisposable)?.Dispose();
        }
        return 0;
    }

    private static void Append(string path, string text)
    {
        Console.Write(text);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.AppendAllText(path, text);
    }

    private static IEnumerable<string> RunRow(string row, IImageDataset data, int k, bool smoke)
    {
        int[] labels = data.Labels!.ToArray();

        var watch = Stopwatch.StartNew();
        var pixels = Flatten(data);
        var raw = KMeans.Fit(pixels, data.Count, data.Channels * data.Height * data.Width,
            new KMeansOptions { Clusters = k, Inits = smoke ? 1 : 10, Seed = Seed });
        yield return Line(row, data.Count, k, "k-means, pixels", watch.Elapsed, raw.Assignments, labels, k);

        watch.Restart();
        var fitted = OptionsFor(data, k);
        var options = fitted.Options;
        foreach (string decision in fitted.Decisions)
            Console.WriteLine($"  fit: {decision}");
        // Experiments: --set Section.Property=value overrides one fitted option (e.g. Clustering.FeatureCacheViews=Weak).
        foreach (var (section, property, value) in s_overrides)
        {
            object target = section switch
            {
                "Pretext" => options.Pretext, "Clustering" => options.Clustering, "SelfLabeling" => options.SelfLabeling,
                "Mining" => options.Mining, _ => throw new ArgumentException($"robustness: unknown section '{section}' in --set."),
            };
            var info = target.GetType().GetProperty(property) ?? throw new ArgumentException($"robustness: {section} has no property '{property}'.");
            var type = Nullable.GetUnderlyingType(info.PropertyType) ?? info.PropertyType;
            info.SetValue(target, type.IsEnum ? Enum.Parse(type, value) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture));
            Console.WriteLine($"  set: {section}.{property} = {value}");
        }
        if (smoke)
        {
            options.Pretext.Epochs = 1;
            options.Pretext.WarmupEpochs = 0;
            options.Clustering.Epochs = 2;
            options.Clustering.Heads = 2;
            options.Clustering.FeatureCachePasses = 1;
            options.SelfLabeling.Epochs = 1;
        }
        using var result = ScanPipeline.Create().WithOptions(options).Build().RunAsync(data).GetAwaiter().GetResult();
        // The wall time includes the fitting probe: it is what a user of the defaults waits for.
        var scanTime = watch.Elapsed;
        Console.WriteLine("  stages: " + string.Join(", ", result.Stages.Select(st => $"{st.Stage} {st.Seconds:F0} s")));
        Console.WriteLine("  quality: " + string.Join(", ", result.Stages.Select(st => st switch
        {
            MiningStageReport m when m.NeighborPurity is { } p => $"neighbour purity {p:F3}",
            ClusteringStageReport c when c.Evaluation is { } e =>
                $"Clustering ACC {e.Accuracy:F3} (head {c.SelectedHead} of {c.Heads.Count}, λ {c.Heads[c.SelectedHead].EntropyWeight:G3}" +
                $"{(c.SelectedHead >= c.Heads.Count - options.Clustering.KMeansInitializedHeads ? ", from k-means" : "")})",
            { Evaluation: { } e } => $"{st.Stage} ACC {e.Accuracy:F3}",
            _ => null,
        }).Where(t => t is not null)));
        foreach (var check in result.Health.Where(c => c.Fired))
            Console.WriteLine($"  health: {check}");
        PrintHeads(result, data, labels, k, options.Clustering.KMeansInitializedHeads);
        yield return Line(row, data.Count, k, $"SCAN (fitted, budget {fitted.Budget.TotalSeconds:F0} s, est. {fitted.EstimatedSeconds:F0} s, {options.Pretext.Precision})",
            scanTime, result.Assignments.ToArray(), labels, k);
        if (result.PretextKMeansAssignments is { } onFeatures)
            yield return Line(row, data.Count, k, "k-means, our pretext features (3 inits)", TimeSpan.Zero, onFeatures.ToArray(), labels, k);
    }

    /// <summary>
    /// Every head's label-free figures next to its accuracy, so a head-choice rule can be judged against all rows of
    /// one run (the labels are used here only, never by the choice). After self-labelling the backbone has moved under
    /// the other heads, so their accuracies are then only indicative.
    /// </summary>
    private static void PrintHeads(ScanResult result, IImageDataset data, int[] labels, int k, int kMeansHeads)
    {
        if (result.Clustering is not { } clustering)
            return;
        var network = result.Model.Network;
        int selected = network.SelectedHead;
        bool afterSelfLabeling = result.SelfLabeling is not null;
        try
        {
            foreach (var head in clustering.Heads)
            {
                network.SelectedHead = head.Head;
                var assignments = result.Model.Predict(data).Clusters.ToArray();
                double accuracy = ClusteringMetrics.Evaluate(assignments, labels, k, labels.Max() + 1).Accuracy;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  head {head.Head}{(head.Head == selected ? "*" : " ")} λ {head.EntropyWeight:G3} {(head.Head >= clustering.Heads.Count - kMeansHeads ? "k-means" : "random ")} " +
                    $"consistency {head.Consistency:F4} entropy {head.Entropy:F4} comparable {head.Comparable:F4} " +
                    $"size entropy {head.SizeEntropy / Math.Log(k):F3} ln K{(head.Degenerate ? " DEGENERATE" : "")} ACC {accuracy:F3}{(afterSelfLabeling && head.Head != selected ? " (after self-labelling)" : "")}"));
            }
        }
        finally
        {
            network.SelectedHead = selected;
        }
    }

    private static string Line(string row, int n, int k, string method, TimeSpan wall, int[] assignments, int[] labels, int clusters)
    {
        var report = ClusteringMetrics.Evaluate(assignments, labels, clusters, labels.Max() + 1);
        int empty = clusters - assignments.Distinct().Count();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {row} | {n} | {k} | {method} | {wall.TotalSeconds:F1} | {report.Accuracy:F3} | {report.NormalizedMutualInformation:F3} | {report.AdjustedRandIndex:F3} | {empty} |");
    }

    private static (IImageDataset Data, int K) MakeRow(string row, bool smoke)
    {
        switch (row)
        {
            case "fmnist-500": return (Subset(Train(), Stratified(Train(), 500)), 10);
            case "fmnist-1000": return (Subset(Train(), Stratified(Train(), 1000)), 10);
            case "fmnist-2000": return (Subset(Train(), Stratified(Train(), 2000)), 10);
            case "fmnist-5000": return (Subset(Train(), Stratified(Train(), 5000)), 10);
            case "fmnist-10000": return (FashionMnist.LoadBundled(), 10);
            case "fmnist-60000": return (FashionMnist.Load(FashionMnistSplit.Train), 10);
            case "fmnist-2000-k5": return (Subset(Train(), Stratified(Train(), 2000)), 5);
            case "fmnist-2000-k20": return (Subset(Train(), Stratified(Train(), 2000)), 20);
            case "fmnist-imbalance-10to1":
            {
                // 500 images of classes 0-4, 50 of classes 5-9.
                var train = Train();
                var perClass = Enumerable.Range(0, 10).Select(c => c < 5 ? 500 : 50).ToArray();
                return (Subset(train, Stratified(train, perClass)), 10);
            }
            case "fmnist-2000-rgb64-folder":
                return (TintedFolder(Subset(Train(), Stratified(Train(), 2000))), 10);
            case "shapes-folder":
                return (ShapesFolder(smoke ? 300 : 2000, 5), 5);
            case "digits-folder":
                return (DigitsFolder(), 10);
            default: throw new ArgumentException($"robustness: unknown row '{row}'.");
        }
    }

    private static IImageDataset? s_train;

    private static List<(string Section, string Property, string Value)> s_overrides = new();

    /// <summary>
    /// The 60,000-image training split from Debian's dataset-fashion-mnist when installed (subset rows are drawn from
    /// it), else the bundled 10,000-image test split.
    /// </summary>
    private static IImageDataset Train() => s_train ??= Directory.Exists(FashionMnist.DebianDirectory)
        ? FashionMnist.Load(FashionMnistSplit.Train)
        : FashionMnist.LoadBundled();

    private static ImageDatasetSubset Subset(IImageDataset source, int[] indices) => new(source, indices);

    private static int[] Stratified(IImageDataset data, int total) =>
        Stratified(data, Enumerable.Repeat(total / 10, 10).ToArray());

    private static int[] Stratified(IImageDataset data, int[] perClass)
    {
        var random = new Random(Seed);
        var labels = data.Labels ?? throw new InvalidOperationException("robustness needs a labelled dataset.");
        var chosen = new List<int>();
        for (int c = 0; c < perClass.Length; c++)
        {
            var ofClass = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
            random.Shuffle(ofClass);
            if (ofClass.Length < perClass[c])
                throw new InvalidOperationException($"robustness: class {c} has {ofClass.Length} images, {perClass[c]} wanted.");
            chosen.AddRange(ofClass.Take(perClass[c]));
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    private static float[] Flatten(IImageDataset data)
    {
        int d = data.Channels * data.Height * data.Width;
        var all = new float[(long)data.Count * d];
        for (int start = 0; start < data.Count; start += 512)
        {
            using var scope = NewDisposeScope();
            int len = Math.Min(512, data.Count - start);
            var idx = Enumerable.Range(start, len).ToArray();
            var batch = data.GetBatch(idx).to(ScalarType.Float32).reshape(len, d).contiguous();
            batch.data<float>().ToArray().CopyTo(all, (long)start * d);
        }
        return all;
    }

    private static string FindRepositoryDirectory() =>
        Path.GetDirectoryName(Path.GetDirectoryName(FindRepositoryFile("bench/Scan.Benchmarks/Program.cs"))!)!
            is { } bench ? Path.GetDirectoryName(bench)! : ".";

    private static string FreshFolder(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "scan-robustness", name);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Each image upscaled to 64x64 and multiplied by a random RGB tint, saved as PNG under its class name.</summary>
    private static IImageDataset TintedFolder(IImageDataset source)
    {
        string root = FreshFolder("fmnist-rgb64");
        var random = new Random(Seed);
        var names = FashionMnist.ClassNames;
        for (int i = 0; i < source.Count; i++)
        {
            using var scope = NewDisposeScope();
            var img = source.GetBatch([i]).to(ScalarType.Float32)[0, 0].data<float>().ToArray();
            float r = 0.3f + 0.7f * random.NextSingle(), g = 0.3f + 0.7f * random.NextSingle(), b = 0.3f + 0.7f * random.NextSingle();
            using var small = new SKBitmap(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            for (int y = 0; y < source.Height; y++)
            {
                for (int x = 0; x < source.Width; x++)
                {
                    float v = Math.Clamp(img[y * source.Width + x], 0f, 1f) * 255f;
                    small.SetPixel(x, y, new SKColor((byte)(v * r), (byte)(v * g), (byte)(v * b)));
                }
            }
            using var big = small.Resize(new SKImageInfo(64, 64, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear));
            Save(big, Path.Combine(root, names[source.Labels![i]], $"{i:D5}.png"));
        }
        return LoadAsUserWould(root);
    }

    /// <summary>The ImageFolder sample's path: size and colour read from the files (median side, capped at 32).</summary>
    private static ImageFolderDataset LoadAsUserWould(string root) =>
        ImageFolderDataset.Load(root, ImageFolderDataset.SuggestOptions(root).Options);

    /// <summary>scikit-learn's 1,797 8x8 digits written as PNGs by make_digits_folder.py (needs python3-sklearn).</summary>
    private static IImageDataset DigitsFolder()
    {
        string root = FreshFolder("digits");
        string script = FindRepositoryFile("bench/Scan.Benchmarks/Robustness/make_digits_folder.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, root]) { RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"make_digits_folder.py failed (is python3-sklearn installed?): {errors}");
        return LoadAsUserWould(root);
    }

    /// <summary>Random circles, squares, triangles, stars and crosses on random backgrounds, 64x64 PNGs.</summary>
    private static IImageDataset ShapesFolder(int count, int classes)
    {
        string[] kinds = ["circle", "square", "triangle", "star", "cross"];
        string root = FreshFolder("shapes");
        var random = new Random(Seed);
        for (int i = 0; i < count; i++)
        {
            int c = i % classes;
            using var bitmap = new SKBitmap(64, 64, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var canvas = new SKCanvas(bitmap);
            canvas.Clear(RandomColor(random));
            using var paint = new SKPaint { Color = RandomColor(random), IsAntialias = true, Style = SKPaintStyle.Fill };
            float size = 10 + 18 * random.NextSingle();
            float cx = size + (64 - 2 * size) * random.NextSingle(), cy = size + (64 - 2 * size) * random.NextSingle();
            using var path = new SKPath();
            switch (kinds[c])
            {
                case "circle": canvas.DrawCircle(cx, cy, size, paint); break;
                case "square": canvas.DrawRect(cx - size, cy - size, 2 * size, 2 * size, paint); break;
                case "triangle":
                    path.MoveTo(cx, cy - size); path.LineTo(cx + size, cy + size); path.LineTo(cx - size, cy + size); path.Close();
                    canvas.DrawPath(path, paint); break;
                case "star":
                    for (int p = 0; p < 10; p++)
                    {
                        float rad = p % 2 == 0 ? size : size * 0.4f;
                        double a = -Math.PI / 2 + p * Math.PI / 5;
                        float px = cx + rad * (float)Math.Cos(a), py = cy + rad * (float)Math.Sin(a);
                        if (p == 0) path.MoveTo(px, py); else path.LineTo(px, py);
                    }
                    path.Close(); canvas.DrawPath(path, paint); break;
                default:
                    canvas.DrawRect(cx - size, cy - size / 3, 2 * size, 2 * size / 3, paint);
                    canvas.DrawRect(cx - size / 3, cy - size, 2 * size / 3, 2 * size, paint); break;
            }
            canvas.Flush();
            Save(bitmap, Path.Combine(root, kinds[c], $"{i:D5}.png"));
        }
        return LoadAsUserWould(root);
    }

    private static SKColor RandomColor(Random random) =>
        new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static void Save(SKBitmap bitmap, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }
}
