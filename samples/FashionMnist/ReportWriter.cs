using System.Text.Json;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Samples.FashionMnist;

/// <summary>Writes the sample's report folder; every file atomically (temporary file, then rename).</summary>
internal static class ReportWriter
{
    /// <summary>Indented camelCase JSON with enums as names, as Scan.NET's own files; NaN written as "NaN".</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(string folder, ScanResult result, IImageDataset dataset, ClusteringReport? baseline,
        double baselineSeconds, SampleArguments arguments, double totalSeconds)
    {
        Directory.CreateDirectory(folder);
        var metrics = new
        {
            formatVersion = 1,
            preset = arguments.Full ? "fashion-mnist-full" : "fashion-mnist-quick",
            seed = arguments.Seed,
            images = dataset.Count,
            totalSeconds,
            stages = result.Stages.Select(s => new
            {
                stage = s.Stage,
                s.Seconds,
                details = s switch
                {
                    MiningStageReport m => (object)new { m.NumNeighbors, m.NeighborPurity, m.NeighborPurityTop5, m.KnnAccuracy },
                    ClusteringStageReport c => new { c.SelectedHead, heads = c.Heads },
                    SelfLabelingStageReport l => new { l.Skipped, l.ConfidentBefore, l.ConfidentLastEpoch, l.ClusterSpreadBefore, l.ClusterSpreadAfter, l.Reverted, l.KeptEpoch, l.AccuracyBeforeRevert, l.Epochs },
                    _ => null,
                },
                accuracy = s.Evaluation?.Accuracy,
                nmi = s.Evaluation?.NormalizedMutualInformation,
                ari = s.Evaluation?.AdjustedRandIndex,
                history = s.History,
            }),
            final = result.Evaluation,
            selectedHead = result.SelectedHead,
            kMeansOnPixels = baseline is null ? null : new
            {
                accuracy = baseline.Accuracy, nmi = baseline.NormalizedMutualInformation,
                ari = baseline.AdjustedRandIndex, seconds = baselineSeconds,
            },
        };
        SampleFile.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(metrics, Json));
        WritePrototypes(Path.Combine(folder, "prototypes.png"), result, dataset);
        if (result.Evaluation is not null)
            WriteConfusion(Path.Combine(folder, "confusion.png"), result.Evaluation, dataset.ClassNames);
        WriteCurves(Path.Combine(folder, "curves.png"), result.Stages);
    }

    /// <summary>One row per cluster: its most confident images, labelled with the class the cluster was matched to.</summary>
    private static void WritePrototypes(string path, ScanResult result, IImageDataset dataset)
    {
        const int columns = 10;
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        var labels = new List<string>();
        for (int cluster = 0; cluster < result.Prototypes.Count; cluster++)
        {
            var indices = result.Prototypes[cluster].Take(columns).ToArray();
            var images = indices.Length == 0
                ? zeros(columns, dataset.Channels, dataset.Height, dataset.Width)
                : dataset.GetBatch(indices);
            if (images.shape[0] < columns)
                images = cat(new[] { images, ones(columns - images.shape[0], dataset.Channels, dataset.Height, dataset.Width) }, 0);
            rows.Add(images);
            string matched = result.Model.Info.ClusterNames is { } names ? names[cluster] : "?";
            labels.Add($"{cluster}: {matched}");
        }
        var grid = cat(rows, 0);
        try
        {
            ImageGrid.WritePng(grid, path, new ImageGridOptions { Columns = columns, Scale = 3, RowLabels = labels, LabelFontSize = 14 });
        }
        catch (InvalidOperationException e)
        {
            // No font on this machine (e.g. a minimal container): keep the images, say what is missing.
            Console.Error.WriteLine($"prototypes.png written without row labels: {e.Message}");
            ImageGrid.WritePng(grid, path, new ImageGridOptions { Columns = columns, Scale = 3 });
        }
    }

    private static void WriteConfusion(string path, ClusteringReport report, IReadOnlyList<string>? classNames)
    {
        var matrix = report.MatchedConfusionMatrix;
        int n = matrix.Count;
        var values = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                values[r, c] = matrix[r][c];
        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        plot.Title($"Confusion (rows: true class, columns: matched cluster), ACC {report.Accuracy:P1}");
        var ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var names = Enumerable.Range(0, n).Select(i => classNames is not null && i < classNames.Count ? classNames[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Left.SetTicks(ticks.Select(t => n - 1 - t).ToArray(), names);
        plot.Axes.Bottom.SetTicks(ticks, names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        SampleFile.WriteAllBytes(path, plot.GetImageBytes(900, 800, ScottPlot.ImageFormat.Png));
    }

    /// <summary>One loss plot per trained stage, stacked vertically.</summary>
    private static void WriteCurves(string path, IReadOnlyList<StageReport> stages)
    {
        const int width = 900, height = 300;
        var trained = stages.Where(s => s.History.Count > 0).ToList();
        var panels = new List<byte[]>();
        foreach (var stage in trained)
        {
            var plot = new ScottPlot.Plot();
            var epochs = stage.History.Select(h => (double)h.Epoch).ToArray();
            foreach (string key in new[] { "loss", "consistency", "entropy" })
            {
                if (!stage.History.All(h => h.Metrics.ContainsKey(key)))
                    continue;
                var line = plot.Add.Scatter(epochs, stage.History.Select(h => h.Metrics[key]).ToArray());
                line.LegendText = key;
            }
            plot.Title($"{stage.Stage} ({stage.Seconds:F0} s)");
            plot.XLabel("epoch");
            plot.ShowLegend();
            panels.Add(plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png));
        }
        if (panels.Count == 0)
        {
            var empty = new ScottPlot.Plot();
            empty.Title("No stage was trained in this run (all were loaded from the run directory).");
            panels.Add(empty.GetImageBytes(width, height, ScottPlot.ImageFormat.Png));
        }

        using var canvasBitmap = new SkiaSharp.SKBitmap(width, height * panels.Count);
        using (var canvas = new SkiaSharp.SKCanvas(canvasBitmap))
        {
            canvas.Clear(SkiaSharp.SKColors.White);
            for (int i = 0; i < panels.Count; i++)
            {
                using var panel = SkiaSharp.SKBitmap.Decode(panels[i]);
                canvas.DrawBitmap(panel, 0, i * height);
            }
        }
        using var image = SkiaSharp.SKImage.FromBitmap(canvasBitmap);
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        SampleFile.WriteAllBytes(path, png.ToArray());
    }
}
