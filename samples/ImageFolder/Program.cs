using System.CommandLine;
using System.Diagnostics;
using Scan.Core.Data;
using Scan.Core.Pipeline;
using Scan.Core.Training;
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
    Description = "Every image is resized to a square of this side in pixels before training (larger is slower).",
    DefaultValueFactory = _ => 32,
};
var grayscale = new Option<bool>("--grayscale")
{
    Description = "Decode images as grayscale (1 channel) instead of RGB.",
};
var epochs = new Option<int>("--epochs")
{
    Description = "SimCLR (pretext) epochs: the longest stage; more epochs give better features (20 in the Fashion-MNIST Quick preset).",
    DefaultValueFactory = _ => 20,
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
    if (value is < 8 or > 256)
        r.AddError($"--size must be between 8 and 256 pixels, got {value}.");
});
epochs.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() < 1)
        r.AddError($"--epochs must be at least 1, got {r.GetValueOrDefault<int>()}.");
});

var root = new RootCommand("Scan.NET: clusters. folder of images into K groups without labels (SCAN, Van Gansbeke et al., ECCV 2020).")
{
    folder, clusters, size, grayscale, epochs, seed, output, runDirectory, skipUndecodable,
};
root.SetAction((parse, cancellationToken) => Run(new ClusterArguments(
    parse.GetValue(folder)!, parse.GetValue(clusters), parse.GetValue(size), parse.GetValue(grayscale),
    parse.GetValue(epochs), parse.GetValue(seed), parse.GetValue(output)!, parse.GetValue(runDirectory),
    parse.GetValue(skipUndecodable)), cancellationToken));
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
        dataset = ImageFolderDataset.Load(arguments.Folder.FullName, new ImageFolderOptions
        {
            Height = arguments.Size,
            Width = arguments.Size,
            ColorMode = arguments.Grayscale ? Scan.Core.Data.ColorMode.Grayscale : Scan.Core.Data.ColorMode.Rgb,
            SkipUndecodable = arguments.SkipUndecodable,
        });
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
                $"Error: '{arguments.Folder.FullName}' holds {dataset.Count} usable image(s); {arguments.Clusters} clusters.eed at least {minimum} (two per cluster, and at least 8).");
            return 1;
        }

        var options = ConfigureOptions(arguments);
        foreach (var change in SmallFolderFit.Apply(options, dataset.Count))
            Console.WriteLine($"Note: {change} ({dataset.Count} images).");

        var builder = ScanPipeline.Create().WithOptions(options).WithSeed(arguments.Seed);
        if (arguments.RunDirectory is not null)
            builder.WithRunDirectory(arguments.RunDirectory.FullName);
        var pipeline = builder.Build();

        Console.WriteLine($"Clustering {dataset.Count} images of {arguments.Size}x{arguments.Size} ({(arguments.Grayscale ? "grayscale" : "RGB")}) into {arguments.Clusters} clusters, seed {arguments.Seed}.");
        ScanResult result;
        try
        {
            result = await pipeline.RunAsync(dataset, new ConsoleProgress(), cancellationToken);
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

// The Fashion-MNIST Quick preset (a small ResNet of width 16 trained in minutes on a CPU) with the user's K, epochs
// and image size; normalisation statistics come from the folder itself.
static ScanOptions ConfigureOptions(ClusterArguments arguments)
{
    var options = ScanPresets.FashionMnistQuick();
    options.Clustering.Clusters = arguments.Clusters;
    options.Pretext.Epochs = arguments.Epochs;
    options.Augmentation.Mean = null;
    options.Augmentation.Std = null;
    // Scaled from the paper's CIFAR-10 recipe on 32x32 images: crop padding 4 (1/8 of the side), Cutout 16 (half).
    int padding = Math.Max(1, arguments.Size / 8);
    options.Augmentation.Strong = new Scan.Augment.Recipes.StrongViewOptions { CropPadding = padding, CutoutSize = arguments.Size / 2 };
    options.Augmentation.Weak = new Scan.Augment.Recipes.WeakViewOptions { CropPadding = padding };
    return options;
}

/// <summary>Prints about ten lines per stage (every tenth of its epochs and the last), so a log file stays readable.</summary>
internal sealed class ConsoleProgress : IProgress<ScanProgress>
{
    public void Report(ScanProgress value)
    {
        int every = Math.Max(1, value.TotalEpochs / 10);
        if (!value.EpochCompleted || (value.Epoch % every != 0 && value.Epoch != value.TotalEpochs))
            return;
        string loss = value.Metrics.TryGetValue("loss", out var l) ? $", loss {l:0.000}" : "";
        Console.WriteLine($"  {value.Stage} epoch {value.Epoch}/{value.TotalEpochs}{loss} ({value.Elapsed.TotalSeconds:F0} s)");
    }
}
