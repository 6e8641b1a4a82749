using System.Diagnostics;
using Scan.Core.Data;
using Scan.Core.Evaluation;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Samples.FashionMnist;
using Spectre.Console;

// SCAN on Fashion-MNIST: no arguments runs the Quick preset on the bundled 10,000 test images.
SampleArguments? arguments;
try
{
    arguments = SampleArguments.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
    Console.WriteLine(SampleArguments.Usage);
    return 2;
}
if (arguments is null)
{
    Console.WriteLine(SampleArguments.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var total = Stopwatch.StartNew();
IImageDataset dataset;
try
{
    dataset = arguments.Full
        ? FashionMnist.Load(FashionMnistSplit.All, arguments.DataDirectory)
        : arguments.DataDirectory is null ? FashionMnist.LoadBundled() : FashionMnist.Load(FashionMnistSplit.Test, arguments.DataDirectory);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]Could not load Fashion-MNIST: {e.Message}[/]");
    if (arguments.Full)
        AnsiConsole.MarkupLine("The full set comes with Debian's [bold]dataset-fashion-mnist[/] package, or pass --data DIR.");
    return 1;
}

var options = arguments.Full ? ScanPresets.FashionMnistFull() : ScanPresets.FashionMnistQuick();
if (arguments.PretextEpochs is { } epochs)
    options.Pretext.Epochs = epochs;
if (arguments.RunDirectory is not null && ScanOptions.FromRunDirectory(arguments.RunDirectory) is { } saved)
{
    // Resuming: the run directory holds the options it was started with (a budget fitted then, on that machine's
    // timings); fitting again could choose other epochs, and the run directory refuses different options.
    options = saved;
    AnsiConsole.MarkupLineInterpolated($"Resuming the run in {arguments.RunDirectory} with its own options.");
}
else if (arguments.Budget is { } budget)
{
    // The preset's epochs are sized for a fast 2-core machine; on a slower one they are cut to fit the budget, after
    // a few SimCLR steps timed here (which also choose float32 or bfloat16).
    var fitted = await ScanPresets.FitToBudgetAsync(options, dataset, budget, cancellationToken: cancellation.Token);
    foreach (string decision in fitted.Decisions)
        AnsiConsole.MarkupLineInterpolated($"[grey]fit:[/] {decision}");
    options = fitted.Options;
}
var builder = ScanPipeline.Create().WithOptions(options).WithSeed(arguments.Seed);
if (arguments.RunDirectory is not null)
    builder.WithRunDirectory(arguments.RunDirectory);
var pipeline = builder.Build();

if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") != "1")
    AnsiConsole.MarkupLine("[yellow]Tip:[/] MALLOC_ARENA_MAX=1 in the environment about doubles CPU training speed (dotnet run sets it from launchSettings.json).");
AnsiConsole.MarkupLineInterpolated($"[bold]Scan.NET[/] on Fashion-MNIST: {dataset.Count:N0} images, preset {(arguments.Full ? "Full" : "Quick")}, seed {arguments.Seed}");

ScanResult result;
try
{
    // A progress bar on a terminal; on a log file or a pipe a bar would print every refresh as a new line, so plain
    // lines instead, one per epoch or tenth of a stage.
    result = Console.IsOutputRedirected
        ? await pipeline.RunAsync(dataset, new Scan.Samples.ProgressLines(Console.Out), cancellation.Token)
        : await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<ScanStage, ProgressTask>();
                foreach (var stage in new[] { ScanStage.Pretext, ScanStage.Mining, ScanStage.Clustering, ScanStage.SelfLabeling })
                    tasks[stage] = context.AddTask(stage.ToString(), maxValue: 1.0);
                var progress = new StageProgress(tasks);
                var r = await pipeline.RunAsync(dataset, progress, cancellation.Token);
                foreach (var task in tasks.Values)
                    task.Value = task.MaxValue;
                return r;
            });
}
catch (OperationCanceledException)
{
    AnsiConsole.MarkupLine("[yellow]Cancelled.[/] With --run-dir, run the same command again to resume.");
    return 130;
}

using (result)
{
    foreach (var check in result.Health.Where(h => h.Fired))
        AnsiConsole.MarkupLineInterpolated($"[yellow]Health:[/] {check}");
    if (result.IsDegenerate)
        AnsiConsole.MarkupLine("[red]The result is degenerate (see the health checks above); do not trust these clusters.[/]");
    AnsiConsole.MarkupLine("Baseline: k-means on raw pixels (10 initialisations)...");
    var baselineClock = Stopwatch.StartNew();
    ClusteringReport? baseline = null;
    try
    {
        if (dataset.Labels is not null)
            baseline = ClusteringMetrics.Evaluate(PixelKMeans.Cluster(dataset, options.Clustering.Clusters, seed: arguments.Seed), dataset.Labels, options.Clustering.Clusters);
    }
    catch (Exception e) when (e is ArgumentException or InvalidOperationException or OutOfMemoryException)
    {
        // The baseline is for contrast only: a failure here must not lose the trained result.
        AnsiConsole.MarkupLineInterpolated($"[yellow]k-means baseline skipped: {e.Message}[/]");
    }
    double baselineSeconds = baselineClock.Elapsed.TotalSeconds;

    var table = new Table().Title("SCAN on Fashion-MNIST").AddColumns("Stage", "ACC", "NMI", "ARI", "Other", "Time");
    foreach (var stage in result.Stages)
    {
        var e = stage.Evaluation;
        string other = Summary(stage);
        table.AddRow(stage.Stage.ToString(), Format(e?.Accuracy), Format(e?.NormalizedMutualInformation),
            Format(e?.AdjustedRandIndex), Markup.Escape(other), stage.Loaded ? "loaded" : $"{stage.Seconds:F0} s");
    }
    if (baseline is not null)
        table.AddRow("k-means on pixels", Format(baseline.Accuracy), Format(baseline.NormalizedMutualInformation),
            Format(baseline.AdjustedRandIndex), "", $"{baselineSeconds:F0} s");
    AnsiConsole.Write(table);

    ReportWriter.Write(arguments.ReportDirectory, result, dataset, baseline, baselineSeconds, arguments, total.Elapsed.TotalSeconds);
    AnsiConsole.MarkupLineInterpolated($"Report written to [bold]{Path.GetFullPath(arguments.ReportDirectory)}[/] (metrics.json, prototypes.png, confusion.png, curves.png); total {total.Elapsed.TotalSeconds:F0} s.");
}
return 0;

static string Summary(StageReport stage) => stage switch
{
    MiningStageReport m => $"K {m.NumNeighbors}" + (m.NeighborPurity is { } p ? $", neighbour purity {p:0.###}, kNN {m.KnnAccuracy:0.###}" : ""),
    ClusteringStageReport c => $"head {c.SelectedHead} of {c.Heads.Count}",
    SelfLabelingStageReport { Skipped: true } s => $"skipped: {s.ConfidentBefore} confident",
    SelfLabelingStageReport { Reverted: true } s => $"clustering model kept: none of {s.History.Count} epochs improved on it",
    SelfLabelingStageReport s => $"kept epoch {s.KeptEpoch} of {s.History.Count}, confident {s.ConfidentLastEpoch}, spread {s.ClusterSpreadBefore:0.###} -> {s.ClusterSpreadAfter:0.###}",
    _ => "",
};

static string Format(double? value) => value is null ? "-" : value.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

/// <summary>Moves one Spectre progress bar per stage; called on the training thread, so it only sets numbers.</summary>
internal sealed class StageProgress(Dictionary<ScanStage, ProgressTask> tasks) : IProgress<ScanProgress>
{
    public void Report(ScanProgress value)
    {
        if (!tasks.TryGetValue(value.Stage, out var task))
            return;
        task.Value = value.Stage == ScanStage.Mining
            ? (double)value.Step / Math.Max(value.StepsPerEpoch, 1)
            : value.Fraction;
        string loss = value.Metrics.TryGetValue("loss", out var l) ? $" loss {l:0.000}" : "";
        task.Description = $"{value.Stage}{(value.TotalEpochs > 1 ? $" {value.Epoch}/{value.TotalEpochs}" : "")}{loss}";
    }
}
