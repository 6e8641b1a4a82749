using System.Globalization;
using System.Text;
using Scan.Cli.Files;
using Scan.Cli.Output;
using Scan.Core.Evaluation;
using Scan.Core.Pipeline;

namespace Scan.Cli.Commands;

/// <summary>What `scan suggest-k` was asked to do.</summary>
internal sealed record SuggestKArguments(
    DirectoryInfo Folder, int MinK, int MaxK, TimeSpan? Budget, long Seed, int Seeds, DirectoryInfo Output, string Device);

/// <summary>One K of the sweep, scored without labels.</summary>
internal sealed record KScore(int K, double Loss, double EntropyRatio, double SmallestShare, double Silhouette, double? Stability)
{
    /// <summary>Balanced enough to be a real partition: no cluster empty and the size entropy at least 0.8 ln K.</summary>
    public bool Eligible => EntropyRatio >= 0.8 && SmallestShare > 0;

    /// <summary>Silhouette plus stability: both in [-1, 1], both higher when the clusters are real.</summary>
    public double Score => Silhouette + (Stability ?? 0);
}

/// <summary>
/// `scan suggest-k FOLDER --range 2..30`: trains the pretext (SimCLR) and mines the neighbours once, then trains only
/// the SCAN heads for every K of the range, on the same saved pretext model and neighbours (each K in its own run
/// directory beside the first), with --seeds seeds each. Scores each K by label-free criteria: the SCAN loss, the
/// cluster-size entropy against ln K, the silhouette of the partition in the pretext feature space (cosine distance),
/// and the stability across seeds (ARI between runs); prints a table, writes suggest-k.csv and suggest-k.svg, and
/// recommends a K, saying why.
/// </summary>
internal static class SuggestKCommand
{
    private static readonly string[] Stages = ["Decoding", "Pretext", "Mining", "Clustering", "Embedding", "Sweep"];

    /// <summary>Images the silhouette is computed on at most (it costs the square of this).</summary>
    private const int SilhouetteSample = 1500;

    public static async Task<int> RunAsync(SuggestKArguments arguments, CancellationToken cancellationToken)
    {
        string folder = arguments.Folder.FullName;
        if (!Directory.Exists(folder))
            throw new CliError($"image folder '{folder}' does not exist.");
        string output = arguments.Output.FullName;
        CliFile.RequireWritableFolder(output, "--out");
        string work = Path.Combine(output, "suggest-k");
        string baseRun = Path.Combine(work, "pretext");

        return await StageProgress.RunAsync(Stages, async progress =>
        {
            using var dataset = ClusterCommand.LoadFolder(folder, progress);
            int minimum = Math.Max(8, 2 * arguments.MaxK);
            if (dataset.Count < minimum)
                throw new CliError($"'{folder}' holds {dataset.Count} usable image(s); K up to {arguments.MaxK} needs at least {minimum}.");

            int middle = (int)Math.Round(Math.Sqrt((double)arguments.MinK * arguments.MaxK));
            ScanOptions options;
            if (ReadOptions(baseRun) is { } saved)
            {
                CliConsole.Line($"Reusing the pretext run in {baseRun}.");
                options = saved;
            }
            else
            {
                CliConsole.Line("Fitting the options to the folder and timing a few training steps on this machine...");
                var fitted = await ScanPresets.ForAsync(dataset, middle, arguments.Budget, arguments.Device, cancellationToken: cancellationToken);
                foreach (string decision in fitted.Decisions)
                    CliConsole.Line("  " + decision);
                options = fitted.Options;
                options.Seed = arguments.Seed;
                // The sweep compares SCAN partitions; self-labelling would only sharpen each one, at the cost of training.
                options.SelfLabelingEnabled = false;
                options.Clustering.FeatureCachePasses = Math.Min(options.Clustering.FeatureCachePasses, 2);
                CliConsole.Line("  suggest-k: self-labelling off and 2 feature-cache passes per K, so that the sweep stays cheap.");
            }

            CliConsole.Line($"Training the pretext model and mining neighbours once ({dataset.Count} images, K {middle} for the first heads)...");
            using (var first = await ScanPipeline.Create().WithOptions(options).WithRunDirectory(baseRun).Build()
                       .RunAsync(dataset, new ClusterCommand.PipelineProgress(progress), cancellationToken))
            {
            }

            var embeddings = ClusterCommand.Embed(baseRun, null, dataset, ReadModelInfo(baseRun), progress, cancellationToken);
            var distances = SampleDistances(embeddings, out int[] sample);

            var ks = Enumerable.Range(arguments.MinK, arguments.MaxK - arguments.MinK + 1).ToList();
            var scores = new List<KScore>();
            int done = 0, total = ks.Count * arguments.Seeds;
            foreach (int k in ks)
            {
                var partitions = new List<int[]>();
                var losses = new List<double>();
                for (int s = 0; s < arguments.Seeds; s++)
                {
                    string run = Path.Combine(work, $"k{k:000}-seed{s}");
                    SharePretext(baseRun, run);
                    var o = options.Clone();
                    o.Clustering.Clusters = k;
                    o.Seed = options.Seed + s;
                    using var result = await ScanPipeline.Create().WithOptions(o).WithRunDirectory(run).Build()
                        .RunAsync(dataset, null, cancellationToken);
                    partitions.Add(result.Assignments.ToArray());
                    var heads = result.Clustering?.Heads;
                    losses.Add(heads is { Count: > 0 } ? heads.First(h => h.Head == result.SelectedHead).Total : double.NaN);
                    done++;
                    progress.Report("Sweep", (double)done / total, $"K {k}, seed {s}");
                }
                scores.Add(Score(k, partitions, losses, distances, sample));
            }

            var best = scores.Where(s => s.Eligible).OrderByDescending(s => s.Score).ThenBy(s => s.K).FirstOrDefault();
            Print(scores, best, arguments.Seeds);
            string csv = Path.Combine(output, "suggest-k.csv");
            CliFile.WriteAllText(csv, Csv(scores, best));
            string svg = Path.Combine(output, "suggest-k.svg");
            CliFile.WriteAllText(svg, Plot(scores, best));
            CliConsole.Line($"Wrote {csv} and {svg} (runs in {work}).");
            return ExitCodes.Success;
        });
    }

    private static ScanOptions? ReadOptions(string run)
    {
        try
        {
            return Directory.Exists(run) ? ScanOptions.FromRunDirectory(run) : null;
        }
        catch (InvalidDataException e)
        {
            throw new CliError($"cannot reuse the pretext run: {e.Message} Remove '{run}' or choose another --out.", e);
        }
    }

    private static Scan.Core.Inference.ScanModelInfo ReadModelInfo(string run)
    {
        using var model = PredictCommand.LoadModel(Path.Combine(run, "model.scan"));
        return model.Info;
    }

    /// <summary>Copies the finished pretext and mining stages into a new run directory (once), so that its run
    /// trains only the SCAN heads: a finished stage is one whose report.json exists beside its output.</summary>
    private static void SharePretext(string from, string to)
    {
        foreach (var (stage, file) in new[] { ("pretext", "contrastive.scan"), ("mining", "neighbors.scan") })
        {
            string target = Path.Combine(to, stage);
            if (File.Exists(Path.Combine(target, "report.json")))
                continue;
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(from, stage, file), Path.Combine(target, file), overwrite: true);
            // The report last, as the pipeline writes it: a copy interrupted before it is not taken as finished.
            File.Copy(Path.Combine(from, stage, "report.json"), Path.Combine(target, "report.json"), overwrite: true);
        }
    }

    /// <summary>Cosine distances between a regular sample of the (L2-normalised) features.</summary>
    private static double[,] SampleDistances(Embeddings embeddings, out int[] sample)
    {
        int step = Math.Max(1, (embeddings.Rows + SilhouetteSample - 1) / SilhouetteSample);
        sample = Enumerable.Range(0, embeddings.Rows).Where(i => i % step == 0).ToArray();
        int n = sample.Length, d = embeddings.Columns;
        var distances = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            for (int b = a + 1; b < n; b++)
            {
                double dot = 0;
                int ra = sample[a] * d, rb = sample[b] * d;
                for (int j = 0; j < d; j++)
                    dot += embeddings.Values[ra + j] * embeddings.Values[rb + j];
                distances[a, b] = distances[b, a] = 1 - dot;
            }
        }
        return distances;
    }

    internal static KScore Score(int k, List<int[]> partitions, List<double> losses, double[,] distances, int[] sample)
    {
        var first = partitions[0];
        int n = first.Length;
        double entropy = 0, smallest = 1;
        var sizes = new int[k];
        foreach (int c in first)
            sizes[c]++;
        foreach (int size in sizes)
        {
            double p = (double)size / n;
            smallest = Math.Min(smallest, p);
            if (p > 0)
                entropy -= p * Math.Log(p);
        }

        double? stability = null;
        if (partitions.Count > 1)
        {
            var aris = new List<double>();
            for (int a = 0; a < partitions.Count; a++)
                for (int b = a + 1; b < partitions.Count; b++)
                    aris.Add(ClusteringMetrics.Evaluate(partitions[a], partitions[b], k, k).AdjustedRandIndex);
            stability = aris.Average();
        }
        return new KScore(k, losses.Average(), entropy / Math.Log(k), smallest, Silhouette(first, distances, sample, k), stability);
    }

    /// <summary>Mean silhouette (Rousseeuw 1987) of the sampled images: (b − a) / max(a, b), with a the mean distance
    /// to the own cluster and b to the nearest other one; 0 for an image alone in its cluster.</summary>
    internal static double Silhouette(int[] clusters, double[,] distances, int[] sample, int k)
    {
        int n = sample.Length;
        var sums = new double[k];
        var counts = new int[k];
        foreach (int i in sample)
            counts[clusters[i]]++;
        double total = 0;
        for (int a = 0; a < n; a++)
        {
            Array.Clear(sums);
            for (int b = 0; b < n; b++)
                if (b != a)
                    sums[clusters[sample[b]]] += distances[a, b];
            int own = clusters[sample[a]];
            if (counts[own] < 2)
                continue;
            double inside = sums[own] / (counts[own] - 1);
            double nearest = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
                if (c != own && counts[c] > 0)
                    nearest = Math.Min(nearest, sums[c] / counts[c]);
            if (double.IsPositiveInfinity(nearest))
                continue;
            double denominator = Math.Max(inside, nearest);
            total += denominator > 0 ? (nearest - inside) / denominator : 0;
        }
        return n == 0 ? 0 : total / n;
    }

    private static void Print(List<KScore> scores, KScore? best, int seeds)
    {
        CliConsole.Table(["K", "SCAN loss", "entropy / ln K", "smallest", "silhouette", seeds > 1 ? "stability (ARI)" : "stability", "score"],
            scores.Select<KScore, IReadOnlyList<string>>(s => new[]
            {
                s.K.ToString(CultureInfo.InvariantCulture) + (s == best ? " *" : ""), F(s.Loss), F(s.EntropyRatio),
                (s.SmallestShare * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%", F(s.Silhouette),
                s.Stability is { } st ? F(st) : "-", s.Eligible ? F(s.Score) : "unbalanced",
            }));
        if (best is null)
        {
            CliConsole.Warning("No K in the range gave balanced clusters (entropy at least 0.8 ln K, none empty): no recommendation. " +
                               "Try a larger budget or a smaller range.");
            return;
        }
        CliConsole.Heading($"Recommended K = {best.K}: the highest silhouette + stability ({F(best.Score)}) among the K whose clusters " +
                           $"are balanced (entropy {F(best.EntropyRatio)} of ln K, smallest cluster {best.SmallestShare:P1})" +
                           (seeds > 1 ? "." : "; with --seeds 1 stability is not measured, so silhouette alone decides."));
        CliConsole.Line("The SCAN loss falls as K grows (its entropy term grows with ln K), so it is shown, not used to choose.");
    }

    private static string Csv(List<KScore> scores, KScore? best)
    {
        var text = new StringBuilder("k,scan_loss,entropy_ratio,smallest_share,silhouette,stability,eligible,score,recommended\r\n");
        foreach (var s in scores)
        {
            text.Append(string.Join(',', s.K.ToString(CultureInfo.InvariantCulture), R(s.Loss), R(s.EntropyRatio), R(s.SmallestShare),
                R(s.Silhouette), s.Stability is { } st ? R(st) : "", s.Eligible ? "true" : "false", R(s.Score),
                s == best ? "true" : "false")).Append("\r\n");
        }
        return text.ToString();
    }

    /// <summary>Silhouette, stability and entropy ratio against K as a small SVG line chart.</summary>
    private static string Plot(List<KScore> scores, KScore? best)
    {
        const int width = 640, height = 320, left = 50, right = 20, top = 20, bottom = 40;
        int minK = scores[0].K, maxK = scores[^1].K;
        double X(int k) => left + (maxK == minK ? 0.5 : (double)(k - minK) / (maxK - minK)) * (width - left - right);
        double Y(double v) => top + (1 - (Math.Clamp(v, -0.2, 1) + 0.2) / 1.2) * (height - top - bottom);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        foreach (double v in new[] { 0.0, 0.5, 1.0 })
            svg.Append(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#ddd\"/><text x=\"{left - 30}\" y=\"{Y(v) + 4:0.#}\">{v:0.0}</text>\n"));
        foreach (var s in scores)
            svg.Append(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{X(s.K) - 6:0.#}\" y=\"{height - bottom + 16}\">{s.K}</text>\n"));
        svg.Append($"<text x=\"{width / 2}\" y=\"{height - 6}\">K</text>\n");
        var series = new (string Name, string Colour, Func<KScore, double?> Value)[]
        {
            ("silhouette", "#4e79a7", s => s.Silhouette), ("stability (ARI)", "#e15759", s => s.Stability),
            ("entropy / ln K", "#59a14f", s => s.EntropyRatio),
        };
        int legend = 0;
        foreach (var (name, colour, value) in series)
        {
            var points = scores.Where(s => value(s) is not null).Select(s => string.Create(CultureInfo.InvariantCulture, $"{X(s.K):0.#},{Y(value(s)!.Value):0.#}")).ToList();
            if (points.Count == 0)
                continue;
            svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/>\n");
            svg.Append($"<text x=\"{left + 10 + 130 * legend++}\" y=\"{top - 6}\" fill=\"{colour}\">{name}</text>\n");
        }
        if (best is not null)
            svg.Append(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{X(best.K):0.#}\" x2=\"{X(best.K):0.#}\" y1=\"{top}\" y2=\"{height - bottom}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string F(double value) => double.IsNaN(value) ? "-" : value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
