using System.CommandLine;
using System.Diagnostics;
using Scan.Core.Data;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Samples;
using Scan.Samples.ImageFolder;

// Clusters a folder of the user's images into K groups with SCAN: writes clusters.csv and prototypes.png.
var folder = new Argument<DirectoryInfo>("folder")
{
    Description = "Folder of images (PNG, JPEG, WebP, BMP, GIF), directly inside it or in sub-folders (sub-folder names are then used as labels for an accuracy report only).",
};
var clusters = new Option<int>("--clusters", "-k")
{
    Description = "Number of clusters K to group the images into.",
    Required = true,
};
var size = new Option<int>("--size")
{
    Description = "Side in pixels of the square every image is centre-cropped and resized to (larger is slower). Default: the images' median shorter side, at most 32.",
};
var grayscale = new Option<bool>("--grayscale")
{
    Description = "Decode images as grayscale (1 channel). Default: grayscale when every image has equal red, green and blue, else RGB.",
};
var budget = new Option<TimeSpan?>("--budget")
{
    Description = "Wall time for the whole run, e.g. 00:05:00; the stage lengths are fitted to it on this machine. Default: 2.5 minutes plus 40 ms per image.",
    CustomParser = r =>
    {
        string text = r.Tokens.Single().Value;
        var value = SampleTime.Parse(text);
        if (value is null)
            r.AddError($"--budget must be a duration such as 90s, 5m, 1h30m or 00:05:00, got '{text}'.");
        return value;
    },
};
var epochs = new Option<int>("--epochs")
{
    Description = "SimCLR (pretext) epochs, overriding the length fitted to the budget.",
};
var seed = new Option<long>("--seed")
{
    Description = "Seed for every random choice; the same seed, data and options give the same clusters.",
    DefaultValueFactory = _ => 0,
};
var output = new Option<DirectoryInfo>("--out", "-o")
{
    Description = "Folder for clusters.csv (file, cluster, confidence) and prototypes.png (one row per cluster).",
    DefaultValueFactory = _ => new DirectoryInfo("scan-output"),
};
var runDirectory = new Option<DirectoryInfo?>("--run-dir")
{
    Description = "Keep every stage's checkpoint in this folder; running the same command again resumes from it.",
};
var skipUndecodable = new Option<bool>("--skip-undecodable")
{
    Description = "Leave out files that have an image extension but cannot be decoded (listed on the console) instead of stopping at the first one.",
};

clusters.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() < 2)
        r.AddError($"--clusters must be at least 2, got {r.GetValueOrDefault<int>()}.");
});
size.Validators.Add(r =>
{
    int value = r.GetValueOrDefault<int>();
    // 8 pixels: the ResNet stem downsamples by 8 before pooling; above 256 one CPU epoch takes far too long.
    if (value is not 0 and (< 8 or > 256))
        r.AddError($"--size must be between 8 and 256 pixels, got {value}.");
});
epochs.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() < 0)
        r.AddError($"--epochs must be at least 1, got {r.GetValueOrDefault<int>()}.");
});
budget.Validators.Add(r =>
{
    if (r.GetValueOrDefault<TimeSpan?>() is { } value && value <= TimeSpan.Zero)
        r.AddError($"--budget must be positive, got {value}.");
});

var root = new RootCommand("Scan.NET: clusters a folder of images into K groups without labels (SCAN, Van Gansbeke et al., ECCV 2020).")
{
    folder, clusters, size, grayscale, budget, epochs, seed, output, runDirectory, skipUndecodable,
};
root.SetAction((parse, cancellationToken) => Run(new ClusterArguments(
    parse.GetValue(folder)!, parse.GetValue(clusters), parse.GetValue(size), parse.GetValue(grayscale),
    parse.GetValue(budget), parse.GetValue(epochs), parse.GetValue(seed), parse.GetValue(output)!,
    parse.GetValue(runDirectory), parse.GetValue(skipUndecodable)), cancellationToken));
return await root.Parse(args).InvokeAsync();

static async Task<int> Run(ClusterArguments arguments, CancellationToken cancellationToken)
{
    var total = Stopwatch.StartNew();
    if (!arguments.Folder.Exists)
    {
        Console.Error.WriteLine($"Error: image folder '{arguments.Folder.FullName}' does not exist.");
        return 1;
    }

    ImageFolderDataset dataset;
    try
    {
        // The size and colour come from the images unless given: the median shorter side (at most 32) and grayscale
        // when every file has R = G = B.
        var (suggested, medianSide) = ImageFolderDataset.SuggestOptions(arguments.Folder.FullName);
        var folderOptions = suggested with
        {
            Height = arguments.Size > 0 ? arguments.Size : suggested.Height,
            Width = arguments.Size > 0 ? arguments.Size : suggested.Width,
            ColorMode = arguments.Grayscale ? Scan.Core.Data.ColorMode.Grayscale : Scan.Core.Data.ColorMode.Rgb,
            DetectGrayscale = !arguments.Grayscale,
            SkipUndecodable = arguments.SkipUndecodable,
        };
        if (arguments.Size == 0)
            Console.WriteLine($"Input size {folderOptions.Height}x{folderOptions.Width}: the images' median shorter side is {medianSide} px{(medianSide > folderOptions.Height ? ", capped" : "")}.");
        dataset = ImageFolderDataset.Load(arguments.Folder.FullName, folderOptions, new DecodeProgress());
        Console.WriteLine(dataset.CacheMessage);
    }
    catch (InvalidDataException e)
    {
        Console.Error.WriteLine($"Error: {e.Message}");
        if (!arguments.SkipUndecodable)
            Console.Error.WriteLine("Pass --skip-undecodable to leave out files that cannot be decoded.");
        return 1;
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"Error: could not read '{arguments.Folder.FullName}': {e.Message}");
        return 1;
    }

    using (dataset)
    {
        foreach (var skipped in dataset.Skipped)
            Console.WriteLine($"Skipped {skipped.Path}: {skipped.Reason}");
        int minimum = SmallFolderFit.MinimumImages(arguments.Clusters);
        if (dataset.Count < minimum)
        {
            Console.Error.WriteLine(
                $"Error: '{arguments.Folder.FullName}' holds {dataset.Count} usable image(s); {arguments.Clusters} clusters need at least {minimum} (two per cluster, and at least 8).");
            return 1;
        }

        var options = await ConfigureOptions(arguments, dataset, cancellationToken);

        var builder = ScanPipeline.Create().WithOptions(options).WithSeed(arguments.Seed);
        if (arguments.RunDirectory is not null)
            builder.WithRunDirectory(arguments.RunDirectory.FullName);
        var pipeline = builder.Build();

        Console.WriteLine($"Clustering {dataset.Count} images of {dataset.Height}x{dataset.Width} ({(dataset.Channels == 1 ? "grayscale" : "RGB")}) into {arguments.Clusters} clusters, seed {arguments.Seed}.");
        ScanResult result;
        try
        {
            result = await pipeline.RunAsync(dataset, new ProgressLines(Console.Out), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(arguments.RunDirectory is null
                ? "Cancelled."
                : "Cancelled. Run the same command again to resume from --run-dir.");
            return 130;
        }

        using (result)
        {
            Directory.CreateDirectory(arguments.Output.FullName);
            string csv = Path.Combine(arguments.Output.FullName, "clusters.csv");
            SampleFile.WriteAllText(csv, AssignmentsCsv.Format(arguments.Folder.FullName, dataset.Files, result.Assignments, result.Confidences));
            string png = Path.Combine(arguments.Output.FullName, "prototypes.png");
            PrototypeSheet.Write(dataset, result.Prototypes, columns: 8, png);

            var sizes = new int[arguments.Clusters];
            foreach (int c in result.Assignments)
                sizes[c]++;
            Console.WriteLine($"Cluster sizes: {string.Join(", ", sizes.Select((n, c) => $"{c}: {n}"))}.");
            foreach (var check in result.Health.Where(h => h.Fired))
                Console.WriteLine($"Health: {check}");
            if (result.IsDegenerate)
                Console.WriteLine("WARNING: the result is degenerate (see the health checks above); do not trust these clusters.");
            if (result.Evaluation is { } evaluation)
                Console.WriteLine($"Against the sub-folder names: accuracy {evaluation.Accuracy:0.000}, NMI {evaluation.NormalizedMutualInformation:0.000}.");
            Console.WriteLine($"Wrote {csv} and {png} in {total.Elapsed.TotalSeconds:F0} s.");
        }
    }
    return 0;
}

// Options fitted to this folder and this machine (ScanPresets.ForAsync), with the user's overrides on top. A run
// directory that already holds a run is resumed with the options it was started with: a second fit would time the
// machine again and come out slightly different, which the run directory would refuse.
static async Task<ScanOptions> ConfigureOptions(ClusterArguments arguments, ImageFolderDataset dataset, CancellationToken cancellationToken)
{
    if (arguments.RunDirectory is not null && ScanOptions.FromRunDirectory(arguments.RunDirectory.FullName) is { } saved)
    {
        Console.WriteLine($"Resuming the run in {arguments.RunDirectory.FullName} with the options it was started with.");
        return saved;
    }

    Console.WriteLine("Fitting the options to the folder and timing a few training steps on this machine...");
    var fitted = await ScanPresets.ForAsync(dataset, arguments.Clusters, arguments.Budget, cancellationToken: cancellationToken);
    foreach (string decision in fitted.Decisions)
        Console.WriteLine($"  {decision}");
    var options = fitted.Options;
    if (arguments.Epochs > 0)
    {
        Console.WriteLine($"  --epochs {arguments.Epochs} overrides the fitted {options.Pretext.Epochs} SimCLR epochs.");
        options.Pretext.Epochs = arguments.Epochs;
        options.Pretext.WarmupEpochs = Math.Min(options.Pretext.WarmupEpochs, arguments.Epochs - 1);
    }
    return options;
}

/// <summary>Prints decoding progress at every tenth of the folder.</summary>
internal sealed class DecodeProgress : IProgress<ImageProgress>
{
    private int _lastTenth = -1;

    // Reports arrive from several decoding threads: only the one that advances the tenth prints it.
    public void Report(ImageProgress value)
    {
        int tenth = (int)(value.Fraction * 10);
        int previous = Volatile.Read(ref _lastTenth);
        if (tenth > previous && Interlocked.CompareExchange(ref _lastTenth, tenth, previous) == previous)
            Console.WriteLine($"  Decoded {value.Completed}/{value.Total} images");
    }
}
