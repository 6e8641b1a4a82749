using System.Globalization;
using System.Net;
using System.Text;
using Scan.Cli.Commands;
using Scan.Cli.Files;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Pipeline;
using static TorchSharp.torch;

namespace Scan.Cli.Report;

/// <summary>What report.html shows.</summary>
internal sealed record ReportInput(string Folder, ImageFolderDataset Dataset, ScanResult Result, Embeddings Embeddings,
    int Clusters, long Seed, TimeSpan Elapsed, string? Pretrained = null);

/// <summary>
/// report.html: one self-contained file a user opens in a browser (no scripts, no network): the run's summary, its
/// label-free health checks and stage times, a 2-D PCA map of the pretext features, and one section per cluster with
/// its size, nearest other cluster, a confidence histogram and the 16 most and 8 least confident images, inlined as
/// base64 PNG.
/// </summary>
internal static class HtmlReport
{
    public const int MostConfident = 16;
    public const int LeastConfident = 8;

    /// <summary>Points drawn on the map at most: beyond that the SVG grows without showing more.</summary>
    private const int MaxMapPoints = 5000;

    /// <summary>Ten colours far apart (Tableau 10), repeated with another marker shade beyond ten clusters.</summary>
    private static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static void Write(string path, ReportInput input) => CliFile.WriteAllText(path, Render(input));

    public static string Render(ReportInput input)
    {
        var result = input.Result;
        int k = input.Clusters;
        var clusters = result.Assignments;
        var confidences = result.Confidences;
        var names = result.Model.Info.ClusterNames;
        var members = Enumerable.Range(0, k).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < clusters.Count; i++)
            members[clusters[i]].Add(i);
        var nearest = NearestClusters(input.Embeddings, clusters, k);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>SCAN clusters of ").Append(E(Path.GetFileName(input.Folder.TrimEnd('/', '\\')))).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        html.Append("<h1>SCAN: ").Append(k).Append(" clusters of ").Append(E(input.Folder)).Append("</h1>\n");
        html.Append("<p class=\"summary\">").Append(input.Dataset.Count).Append(" images of ")
            .Append(input.Dataset.Height).Append('x').Append(input.Dataset.Width).Append(' ')
            .Append(input.Dataset.Channels == 1 ? "grayscale" : "RGB").Append(", seed ").Append(input.Seed)
            .Append(", head ").Append(result.SelectedHead).Append(", total time ").Append(E(Duration.Describe(input.Elapsed))).Append(".</p>\n");
        if (result.IsDegenerate)
            html.Append("<p class=\"degenerate\">The result is degenerate (see the health checks): do not trust these clusters.</p>\n");
        if (result.Evaluation is { } evaluation)
        {
            html.Append("<p>Against the sub-folder names: accuracy ").Append(F(evaluation.Accuracy)).Append(", NMI ")
                .Append(F(evaluation.NormalizedMutualInformation)).Append(", ARI ").Append(F(evaluation.AdjustedRandIndex)).Append(".</p>\n");
        }

        html.Append("<nav>");
        for (int c = 0; c < k; c++)
            html.Append("<a href=\"#cluster-").Append(c).Append("\" style=\"border-color:").Append(Colour(c)).Append("\">")
                .Append(E(Title(c, names))).Append(" (").Append(members[c].Count).Append(")</a> ");
        html.Append("</nav>\n");

        AppendHealth(html, result.Stages);
        AppendStages(html, result.Stages);
        AppendMap(html, input.Embeddings, clusters, k, input.Pretrained);

        var thumbnails = Thumbnails(input.Dataset, members, confidences);
        for (int c = 0; c < k; c++)
            AppendCluster(html, c, members[c], confidences, names, nearest[c], thumbnails, input);

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Every stage's label-free checks (result.Health, with the stage that made each).</summary>
    private static void AppendHealth(StringBuilder html, IReadOnlyList<StageReport> stages)
    {
        html.Append("<h2>Health checks</h2>\n");
        if (!stages.Any(s => s.Health.Count > 0))
        {
            html.Append("<p>No checks were recorded.</p>\n");
            return;
        }
        html.Append("<table class=\"health\">\n<tr><th>Stage</th><th>Check</th><th>Status</th><th>Value</th><th>Bound</th><th>Message</th></tr>\n");
        foreach (var (stage, check) in stages.SelectMany(s => s.Health.Select(h => (s.Stage, h))))
        {
            html.Append("<tr class=\"").Append(check.Status.ToString().ToLowerInvariant()).Append("\"><td>").Append(stage)
                .Append("</td><td>").Append(check.Kind)
                .Append("</td><td>").Append(check.Status).Append("</td><td>").Append(G(check.Value)).Append("</td><td>")
                .Append(G(check.Threshold)).Append("</td><td>").Append(E(check.Message));
            if (check.Remedy is { } remedy)
                html.Append(" <em>").Append(E(remedy)).Append("</em>");
            html.Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void AppendStages(StringBuilder html, IReadOnlyList<StageReport> stages)
    {
        html.Append("<h2>Stages</h2>\n<table class=\"stages\">\n<tr><th>Stage</th><th>Time</th><th>Figures</th></tr>\n");
        foreach (var stage in stages)
        {
            string time = stage.Loaded ? "loaded from the run directory" : Duration.Describe(TimeSpan.FromSeconds(stage.Seconds));
            var figures = stage.Figures.Select(f => $"{f.Key} {G(f.Value)}").ToList();
            if (stage.History.Count > 0 && stage.History[^1].Metrics.TryGetValue("loss", out double loss))
                figures.Insert(0, $"{stage.History.Count} epochs, final loss {G(loss)}");
            if (stage.Evaluation is { } e)
                figures.Add($"ACC {F(e.Accuracy)}, NMI {F(e.NormalizedMutualInformation)}");
            html.Append("<tr><td>").Append(stage.Stage).Append("</td><td>").Append(E(time)).Append("</td><td>")
                .Append(E(string.Join("; ", figures))).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    /// <summary>The PCA map as inline SVG: one dot per image (a regular sample beyond <see cref="MaxMapPoints"/>),
    /// coloured by cluster.</summary>
    private static void AppendMap(StringBuilder html, Embeddings embeddings, IReadOnlyList<int> clusters, int k, string? pretrained)
    {
        const int size = 560, margin = 12;
        var points = Pca.Project2D(embeddings.Values, embeddings.Rows, embeddings.Columns);
        html.Append("<h2>Map of the pretext features</h2>\n<p>The first two principal components of the ")
            .Append(embeddings.Columns).Append("-dimensional ")
            .Append(pretrained is null ? "SimCLR features" : "features of the pretrained backbone " + E(Path.GetFileName(pretrained)))
            .Append(" (embeddings.npy), one dot per image");
        int step = Math.Max(1, (points.Length + MaxMapPoints - 1) / MaxMapPoints);
        if (step > 1)
            html.Append(" (every ").Append(step).Append("th image)");
        html.Append(", coloured by cluster.</p>\n");
        if (points.Length == 0)
            return;
        float minX = points.Min(p => p.X), maxX = points.Max(p => p.X), minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        float spanX = Math.Max(maxX - minX, 1e-6f), spanY = Math.Max(maxY - minY, 1e-6f);
        html.Append("<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(size).Append("\" height=\"").Append(size)
            .Append("\" viewBox=\"0 0 ").Append(size).Append(' ').Append(size).Append("\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n");
        for (int i = 0; i < points.Length; i += step)
        {
            double x = margin + (points[i].X - minX) / spanX * (size - 2 * margin);
            double y = size - margin - (points[i].Y - minY) / spanY * (size - 2 * margin);
            html.Append("<circle cx=\"").Append(x.ToString("0.#", CultureInfo.InvariantCulture)).Append("\" cy=\"")
                .Append(y.ToString("0.#", CultureInfo.InvariantCulture)).Append("\" r=\"2.5\" fill=\"").Append(Colour(clusters[i]))
                .Append("\" fill-opacity=\"0.7\"/>\n");
        }
        html.Append("</svg>\n<p class=\"legend\">");
        for (int c = 0; c < k; c++)
            html.Append("<span><i style=\"background:").Append(Colour(c)).Append("\"></i>").Append(c).Append("</span> ");
        html.Append("</p>\n");
    }

    private static void AppendCluster(StringBuilder html, int cluster, List<int> members, IReadOnlyList<float> confidences,
        IReadOnlyList<string>? names, int nearest, Dictionary<int, string> thumbnails, ReportInput input)
    {
        int n = input.Dataset.Count;
        html.Append("<section class=\"cluster\" id=\"cluster-").Append(cluster).Append("\" data-cluster=\"").Append(cluster)
            .Append("\" data-size=\"").Append(members.Count).Append("\" style=\"border-left-color:").Append(Colour(cluster)).Append("\">\n");
        html.Append("<h2>").Append(E(Title(cluster, names))).Append("</h2>\n<p>").Append(members.Count).Append(" images (")
            .Append((100.0 * members.Count / Math.Max(1, n)).ToString("0.0", CultureInfo.InvariantCulture)).Append("%)");
        if (members.Count > 0)
        {
            html.Append(", median confidence ").Append(F(Median(members.Select(i => (double)confidences[i]))));
            if (nearest >= 0)
                html.Append(", nearest other cluster: <a href=\"#cluster-").Append(nearest).Append("\">").Append(E(Title(nearest, names))).Append("</a>");
        }
        html.Append(".</p>\n");
        if (members.Count == 0)
        {
            html.Append("<p class=\"degenerate\">This cluster is empty.</p>\n</section>\n");
            return;
        }
        AppendHistogram(html, members.Select(i => confidences[i]).ToList());
        var ordered = members.OrderByDescending(i => confidences[i]).ThenBy(i => i).ToList();
        var most = ordered.Take(MostConfident).ToList();
        var least = ordered.Skip(most.Count).Reverse().Take(LeastConfident).Reverse().ToList();
        html.Append("<h3>Most confident</h3>\n");
        AppendImages(html, most, confidences, thumbnails, input);
        if (least.Count > 0)
        {
            html.Append("<h3>Least confident</h3>\n");
            AppendImages(html, least, confidences, thumbnails, input);
        }
        html.Append("</section>\n");
    }

    private static void AppendImages(StringBuilder html, List<int> images, IReadOnlyList<float> confidences,
        Dictionary<int, string> thumbnails, ReportInput input)
    {
        html.Append("<div class=\"images\">\n");
        foreach (int i in images)
        {
            string file = Path.GetRelativePath(input.Folder, input.Dataset.Files[i]);
            html.Append("<figure><img src=\"data:image/png;base64,").Append(thumbnails[i]).Append("\" alt=\"").Append(E(file))
                .Append("\" title=\"").Append(E(file)).Append("\"><figcaption>").Append(F(confidences[i])).Append("</figcaption></figure>\n");
        }
        html.Append("</div>\n");
    }

    /// <summary>Ten bins of the members' confidence over [0, 1], as an inline SVG bar chart.</summary>
    private static void AppendHistogram(StringBuilder html, List<float> values)
    {
        const int bins = 10, width = 300, height = 80, bar = width / bins;
        var counts = new int[bins];
        foreach (float v in values)
            counts[Math.Clamp((int)(v * bins), 0, bins - 1)]++;
        int max = Math.Max(1, counts.Max());
        html.Append("<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(width).Append("\" height=\"")
            .Append(height + 16).Append("\" role=\"img\" aria-label=\"confidence histogram\">\n");
        for (int b = 0; b < bins; b++)
        {
            int h = (int)Math.Round((double)counts[b] / max * height);
            html.Append("<rect x=\"").Append(b * bar + 1).Append("\" y=\"").Append(height - h).Append("\" width=\"").Append(bar - 2)
                .Append("\" height=\"").Append(h).Append("\" fill=\"#4e79a7\"><title>confidence ")
                .Append(F(b / (double)bins)).Append('-').Append(F((b + 1) / (double)bins)).Append(": ").Append(counts[b]).Append("</title></rect>\n");
        }
        html.Append("<text x=\"0\" y=\"").Append(height + 13).Append("\">0</text><text x=\"").Append(width - 8).Append("\" y=\"")
            .Append(height + 13).Append("\">1</text><text x=\"").Append(width / 2 - 30).Append("\" y=\"").Append(height + 13)
            .Append("\">confidence</text>\n</svg>\n");
    }

    /// <summary>PNG thumbnails (base64) of every image the report shows, from the decoded images the model saw,
    /// scaled up to about 64 px with nearest-neighbour pixels.</summary>
    private static Dictionary<int, string> Thumbnails(IImageDataset dataset, List<int>[] members, IReadOnlyList<float> confidences)
    {
        var shown = new SortedSet<int>();
        foreach (var cluster in members)
        {
            var ordered = cluster.OrderByDescending(i => confidences[i]).ThenBy(i => i).ToList();
            shown.UnionWith(ordered.Take(MostConfident));
            shown.UnionWith(ordered.Skip(MostConfident).Reverse().Take(LeastConfident));
        }
        int scale = Math.Max(1, 64 / Math.Max(dataset.Height, dataset.Width));
        var grid = new ImageGridOptions { Columns = 1, Padding = 0, Scale = scale };
        var thumbnails = new Dictionary<int, string>();
        foreach (int i in shown)
        {
            using var scope = NewDisposeScope();
            var image = dataset.GetBatch([i]);
            using var png = new MemoryStream();
            ImageGrid.WritePng(image, png, grid);
            thumbnails[i] = Convert.ToBase64String(png.GetBuffer(), 0, (int)png.Length);
        }
        return thumbnails;
    }

    /// <summary>For each cluster, the other cluster whose mean pretext feature is closest by cosine; -1 when the
    /// cluster is empty or alone.</summary>
    internal static int[] NearestClusters(Embeddings embeddings, IReadOnlyList<int> clusters, int k)
    {
        int d = embeddings.Columns;
        var centroids = new double[k, d];
        var counts = new int[k];
        for (int i = 0; i < embeddings.Rows; i++)
        {
            int c = clusters[i];
            counts[c]++;
            for (int j = 0; j < d; j++)
                centroids[c, j] += embeddings.Values[i * d + j];
        }
        var norms = new double[k];
        for (int c = 0; c < k; c++)
        {
            double sum = 0;
            for (int j = 0; j < d; j++)
                sum += centroids[c, j] * centroids[c, j];
            norms[c] = Math.Sqrt(sum);
        }
        var nearest = new int[k];
        for (int c = 0; c < k; c++)
        {
            nearest[c] = -1;
            double best = double.NegativeInfinity;
            if (counts[c] == 0 || norms[c] == 0)
                continue;
            for (int o = 0; o < k; o++)
            {
                if (o == c || counts[o] == 0 || norms[o] == 0)
                    continue;
                double dot = 0;
                for (int j = 0; j < d; j++)
                    dot += centroids[c, j] * centroids[o, j];
                double cosine = dot / (norms[c] * norms[o]);
                if (cosine > best)
                {
                    best = cosine;
                    nearest[c] = o;
                }
            }
        }
        return nearest;
    }

    private static string Title(int cluster, IReadOnlyList<string>? names)
    {
        string name = ClustersCsv.NameOf(names, cluster);
        return name.Length == 0 ? $"Cluster {cluster}" : $"Cluster {cluster}: {name}";
    }

    private static string Colour(int cluster) => Palette[cluster % Palette.Length];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; } h3 { font-size: 1em; margin: .6em 0 .3em; }
        table { border-collapse: collapse; font-size: .9em; } td, th { border: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }
        tr.warning td { background: #fff6dd; } tr.failed td { background: #fde2e2; }
        .degenerate { color: #b00020; font-weight: bold; }
        nav a { display: inline-block; margin: .15em; padding: .1em .5em; border-left: 6px solid; text-decoration: none; color: #222; background: #f3f3f3; }
        section.cluster { border-left: 8px solid; padding: .2em 1em 1em; margin: 1.5em 0; background: #fcfcfc; }
        .images { display: flex; flex-wrap: wrap; gap: 6px; }
        figure { margin: 0; text-align: center; font-size: .75em; color: #555; }
        figure img { width: 64px; height: 64px; object-fit: contain; image-rendering: pixelated; border: 1px solid #ccc; background: #fff; display: block; }
        .legend span { margin-right: .8em; font-size: .85em; } .legend i { display: inline-block; width: .8em; height: .8em; margin-right: .3em; border-radius: 50%; }
        svg text { font-size: 11px; fill: #555; }
        """;
}
