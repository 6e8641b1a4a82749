using System.Diagnostics;
using System.Text.Json;
using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Cli.Files;
using Scan.Cli.Output;
using Scan.Cli.Report;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Cli.Commands;

/// <summary>What `scan cluster` was asked to do, after parsing and validation.</summary>
internal sealed record ClusterArguments(
    DirectoryInfo Folder, int Clusters, TimeSpan? Budget, long Seed, DirectoryInfo Output, bool Resume, string Device,
    PretrainedArguments? Pretrained = null);

/// <summary>`--pretrained FILE` and the options that describe the backbone its weights fit.</summary>
internal sealed record PretrainedArguments(FileInfo File, BackboneArchitecture Architecture, int Width, ResNetStem? Stem, string KeyPrefix)
{
    /// <summary>The file in --out that records these, so --resume continues with the same backbone.</summary>
    public const string RecordName = "pretrained.json";

    public PyTorchWeightsOptions Weights => new() { KeyPrefix = KeyPrefix };

    /// <summary>A backbone of the described shape for the folder's images, with random weights.</summary>
    public ResNetBackbone Build(int channels, int height, int width) =>
        new BackboneOptions { Architecture = Architecture, Width = Width, Stem = Stem }.Build(channels, height, width);

    /// <summary>The backbone with the file's weights, in evaluation mode; a file that does not fit is a CliError naming it.</summary>
    public ResNetBackbone Load(int channels, int height, int width, out PyTorchWeightsResult loaded)
    {
        var backbone = Build(channels, height, width);
        try
        {
            loaded = backbone.LoadPyTorchWeights(File.FullName, Weights);
            backbone.eval();
            return backbone;
        }
        catch (Exception e) when (e is StateDictMismatchException or InvalidDataException or ArgumentException or IOException)
        {
            backbone.Dispose();
            throw new CliError($"--pretrained '{File.FullName}' does not fit a {Describe()} backbone for {channels}-channel " +
                               $"{height}x{width} images: {e.Message.Replace("set PyTorchWeightsOptions.KeyPrefix = ", "pass --pretrained-prefix ", StringComparison.Ordinal)}", e);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    public string Describe() =>
        $"{(Architecture == BackboneArchitecture.SmallResNet ? "small-resnet" : "resnet18")} width {Width}" +
        (Stem is { } stem ? $" {stem.ToString().ToLowerInvariant()}-stem" : "") +
        (KeyPrefix.Length > 0 ? $" (keys '{KeyPrefix}*')" : "");

    public void Save(string folder) => CliFile.WriteAllText(Path.Combine(folder, RecordName), JsonSerializer.Serialize(
        new Record(File.FullName, Architecture.ToString(), Width, Stem?.ToString(), KeyPrefix), RecordJson));

    /// <summary>The settings a run in <paramref name="folder"/> was started with, or null when it had no --pretrained.</summary>
    public static PretrainedArguments? Read(string folder)
    {
        string path = Path.Combine(folder, RecordName);
        if (!System.IO.File.Exists(path))
            return null;
        try
        {
            var record = JsonSerializer.Deserialize<Record>(System.IO.File.ReadAllText(path), RecordJson)
                         ?? throw new JsonException("the file holds null");
            return new PretrainedArguments(new FileInfo(record.File), Enum.Parse<BackboneArchitecture>(record.Architecture),
                record.Width, record.Stem is null ? null : Enum.Parse<ResNetStem>(record.Stem), record.KeyPrefix);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new CliError($"cannot resume: '{path}' is damaged ({e.Message}). Choose another --out for a new run.", e);
        }
    }

    private static readonly JsonSerializerOptions RecordJson = new() { WriteIndented = true };

    private sealed record Record(string File, string Architecture, int Width, string? Stem, string KeyPrefix);
}

/// <summary>
/// `scan cluster FOLDER -k K`: loads the folder as the ImageFolder sample does (size and colour read from the files),
/// fits the options to the folder and this machine within the budget (or resumes a run with the options it started
/// with), runs the pipeline with its run directory inside --out, then writes clusters.csv, model.scan,
/// embeddings.npy and report.html there.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>The run directory's name inside --out.</summary>
    public const string RunFolderName = "run";

    private static readonly string[] Stages = ["Decoding", "Pretext", "Mining", "Clustering", "SelfLabeling", "Embedding"];

    public static async Task<int> RunAsync(ClusterArguments arguments, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        string folder = arguments.Folder.FullName;
        if (File.Exists(folder))
            throw new CliError($"'{folder}' is a file; give the folder that holds the images.");
        if (!Directory.Exists(folder))
            throw new CliError($"image folder '{folder}' does not exist.");
        if (arguments.Device.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new CliError($"--device {arguments.Device}: this build of the tool runs on TorchSharp's CPU backend, which has no CUDA device.");

        // Checked before anything is decoded or trained, so a run of many minutes cannot end on "access denied".
        string output = arguments.Output.FullName;
        CliFile.RequireWritableFolder(output, "--out");
        string runDirectory = Path.Combine(output, RunFolderName);
        var saved = ReadSavedOptions(runDirectory);
        if (saved is not null && !arguments.Resume)
        {
            throw new CliError(
                $"'{runDirectory}' holds an earlier run. Pass --resume to continue it (with the options it started with), " +
                "or choose another --out for a new run.");
        }
        if (saved is not null && saved.Clustering.Clusters != arguments.Clusters)
        {
            throw new CliError(
                $"the run in '{runDirectory}' has {saved.Clustering.Clusters} clusters, not -k {arguments.Clusters}; " +
                "resume it with the same -k, or choose another --out.");
        }
        // A run started on a PyTorch backbone resumes on it: --pretrained and its options are recorded in --out.
        var pretrained = arguments.Pretrained;
        if (saved is not null && pretrained is null)
            pretrained = PretrainedArguments.Read(output);
        if (pretrained is not null && !pretrained.File.Exists)
            throw new CliError($"--pretrained '{pretrained.File.FullName}' does not exist.");

        // With a pretrained backbone there is no pretext stage to show a bar for.
        var stages = pretrained is null ? Stages : Stages.Where(s => s != "Pretext").ToArray();
        return await StageProgress.RunAsync(stages, async progress =>
        {
            using var dataset = LoadFolder(folder, progress);
            foreach (var skipped in dataset.Skipped)
                CliConsole.Warning($"Skipped {skipped.Path}: {skipped.Reason}");
            int minimum = Math.Max(8, 2 * arguments.Clusters);
            if (dataset.Count < minimum)
            {
                throw new CliError(
                    $"'{folder}' holds {dataset.Count} usable image(s); {arguments.Clusters} clusters need at least {minimum} " +
                    "(two per cluster, and at least 8 for SimCLR's negatives).");
            }

            if (pretrained is not null)
            {
                // Loaded once now, so a file that does not fit fails before minutes of fitting and training.
                using var backbone = pretrained.Load(dataset.Channels, dataset.Height, dataset.Width, out var loaded);
                CliConsole.Line($"Pretrained backbone: {loaded.LoadedKeys.Count} tensors of {pretrained.File.FullName} " +
                                $"loaded into a {pretrained.Describe()} with {backbone.FeatureDim} features" +
                                (loaded.IgnoredKeys.Count > 0 ? $"; {loaded.IgnoredKeys.Count} other keys ignored (e.g. {loaded.IgnoredKeys[0]})" : "") +
                                ". The pretext stage is skipped: neighbours are mined on its features.");
            }

            ScanOptions options;
            if (saved is not null)
            {
                CliConsole.Line($"Resuming the run in {runDirectory} with the options it was started with.");
                if (saved.Device != arguments.Device)
                    CliConsole.Warning($"--device {arguments.Device} is ignored: the run was started on {saved.Device}, and a run resumes with its own options.");
                options = saved;
            }
            else
            {
                if (arguments.Resume)
                    CliConsole.Line($"Nothing to resume in {runDirectory}: starting a new run.");
                if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") != "1")
                    CliConsole.Warning("Tip: MALLOC_ARENA_MAX=1 (and OMP_WAIT_POLICY=PASSIVE) in the environment about double CPU training speed; the budget is then spent on more steps.");
                CliConsole.Line("Fitting the options to the folder and timing a few training steps on this machine...");
                var fitted = await ScanPresets.ForAsync(dataset, arguments.Clusters, arguments.Budget, arguments.Device,
                    cancellationToken: cancellationToken);
                foreach (string decision in fitted.Decisions)
                    CliConsole.Line("  " + decision);
                if (pretrained is not null)
                    CliConsole.Line($"  --pretrained: the fitted backbone and SimCLR lines above do not apply; the backbone is the {pretrained.Describe()} loaded.");
                options = fitted.Options;
                options.Seed = arguments.Seed;
            }

            var builder = ScanPipeline.Create().WithOptions(options).WithRunDirectory(runDirectory);
            if (pretrained is not null)
            {
                var (channels, height, width) = (dataset.Channels, dataset.Height, dataset.Width);
                builder.WithPretrainedBackbone(() => pretrained.Build(channels, height, width), pretrained.File.FullName, pretrained.Weights);
                if (saved is null)
                    pretrained.Save(output);
            }
            else if (saved is null)
            {
                File.Delete(Path.Combine(output, PretrainedArguments.RecordName));
            }
            var pipeline = builder.Build();
            CliConsole.Line($"Clustering {dataset.Count} images of {dataset.Height}x{dataset.Width} " +
                            $"({(dataset.Channels == 1 ? "grayscale" : "RGB")}) into {arguments.Clusters} clusters, seed {options.Seed}.");
            ScanResult result;
            try
            {
                result = await pipeline.RunAsync(dataset, new PipelineProgress(progress), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                CliConsole.Warning("Cancelled. Run the same command with --resume to continue from the last finished epoch.");
                return ExitCodes.Cancelled;
            }

            using (result)
            {
                var embeddings = Embed(runDirectory, pretrained, dataset, result.Model.Info, progress, cancellationToken);
                WriteOutputs(arguments, pretrained, output, runDirectory, dataset, result, embeddings, options.Seed, total.Elapsed);
            }
            return ExitCodes.Success;
        });
    }

    private static ScanOptions? ReadSavedOptions(string runDirectory)
    {
        try
        {
            return Directory.Exists(runDirectory) ? ScanOptions.FromRunDirectory(runDirectory) : null;
        }
        catch (InvalidDataException e)
        {
            throw new CliError($"cannot resume: {e.Message} Choose another --out for a new run.", e);
        }
    }

    /// <summary>The folder as the ImageFolder sample loads it: the size and colour suggested by the files
    /// (median shorter side between 16 and 32 px, grayscale when every file has R = G = B), undecodable files skipped.</summary>
    internal static ImageFolderDataset LoadFolder(string folder, IStageProgress progress)
    {
        try
        {
            var (options, medianSide) = ImageFolderDataset.SuggestOptions(folder);
            CliConsole.Line($"Input size {options.Height}x{options.Width}: the images' median shorter side is {medianSide} px" +
                            $"{(medianSide > options.Height ? ", capped" : "")}.");
            var dataset = ImageFolderDataset.Load(folder, options, new DecodeProgress(progress));
            CliConsole.Line(dataset.CacheMessage);
            return dataset;
        }
        catch (Exception e) when (e is InvalidDataException or DirectoryNotFoundException)
        {
            throw new CliError(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"could not read '{folder}': {e.Message}", e);
        }
    }

    /// <summary>
    /// The pretext features of every image: the run's SimCLR model (saved in the run directory) over the un-augmented,
    /// normalised images, the L2-normalised projections the neighbours were mined from; with --pretrained, the
    /// backbone's features (which the neighbours were mined from), L2-normalised. Shape (N, D), row-major.
    /// </summary>
    internal static Embeddings Embed(string runDirectory, PretrainedArguments? pretrained, IImageDataset dataset,
        Scan.Core.Inference.ScanModelInfo info, IStageProgress progress, CancellationToken cancellationToken)
    {
        using var model = pretrained is not null
            ? (nn.Module<Tensor, Tensor>)pretrained.Load(dataset.Channels, dataset.Height, dataset.Width, out _)
            : ScanPipeline.LoadPretextModel(runDirectory, dataset.Channels, dataset.Height, dataset.Width)
              ?? throw new CliError($"the run in '{runDirectory}' has no trained pretext model to embed the images with.");
        var preprocessing = AugmentationRecipes.Eval(new NormalizationStats(info.Mean, info.Std));
        var report = new ForwardingProgress<ImageProgress>(p =>
            progress.Report("Embedding", (double)p.Completed / Math.Max(1, p.Total), $"{p.Completed}/{p.Total} images"));
        using var scope = NewDisposeScope();
        var features = FeatureExtractor.Embed(dataset, model.call,
            new FeatureExtractorOptions { Preprocessing = preprocessing }, report, cancellationToken);
        if (pretrained is not null)
            features = nn.functional.normalize(features, p: 2, dim: 1);
        int rows = (int)features.shape[0], columns = (int)features.shape[1];
        return new Embeddings(features.contiguous().data<float>().ToArray(), rows, columns);
    }

    private static void WriteOutputs(ClusterArguments arguments, PretrainedArguments? pretrained, string output, string runDirectory, ImageFolderDataset dataset,
        ScanResult result, Embeddings embeddings, long seed, TimeSpan elapsed)
    {
        var names = result.Model.Info.ClusterNames;
        string csv = Path.Combine(output, "clusters.csv");
        CliFile.WriteAllText(csv, ClustersCsv.Format(arguments.Folder.FullName, dataset.Files,
            result.Assignments, result.Confidences, names));
        string model = Path.Combine(output, "model.scan");
        result.Model.Save(model);
        string npy = Path.Combine(output, "embeddings.npy");
        NpyWriter.Write(npy, embeddings.Values, embeddings.Rows, embeddings.Columns);
        string html = Path.Combine(output, "report.html");
        HtmlReport.Write(html, new ReportInput(arguments.Folder.FullName, dataset, result, embeddings, arguments.Clusters, seed, elapsed,
            pretrained?.File.FullName));

        var sizes = new int[arguments.Clusters];
        foreach (int c in result.Assignments)
            sizes[c]++;
        CliConsole.Line($"Cluster sizes: {string.Join(", ", sizes.Select((n, c) => $"{c}: {n}"))}.");
        foreach (var check in result.Health.Where(h => h.Fired))
            CliConsole.Warning($"Health: {check}");
        if (result.IsDegenerate)
            CliConsole.Warning("WARNING: the result is degenerate (see the health checks above); do not trust these clusters.");
        if (result.Evaluation is { } evaluation)
            CliConsole.Line($"Against the sub-folder names: accuracy {evaluation.Accuracy:0.000}, NMI {evaluation.NormalizedMutualInformation:0.000}.");
        CliConsole.Line($"Wrote {csv}, {model}, {npy} and {html} in {Duration.Describe(elapsed)} (stage files in {runDirectory}).");
    }

    /// <summary>Turns the pipeline's reports into stage fractions with the epoch and loss as status.</summary>
    internal sealed class PipelineProgress(IStageProgress progress) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            string loss = value.Metrics.TryGetValue("loss", out var l) ? $", loss {l:0.000}" : "";
            string epoch = value.TotalEpochs > 1 ? $"epoch {value.Epoch}/{value.TotalEpochs}" : "";
            string status = (epoch + loss).TrimStart(',', ' ');
            progress.Report(value.Stage.ToString(), value.Fraction, $"{status}{(status.Length > 0 ? ", " : "")}{value.Elapsed.TotalSeconds:0} s");
        }
    }

    private sealed class DecodeProgress(IStageProgress progress) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) =>
            progress.Report("Decoding", value.Fraction, $"{value.Completed}/{value.Total} images");
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool, where a report
    /// could arrive after the work has finished).</summary>
    private sealed class ForwardingProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>Pretext features, row-major (N, D).</summary>
internal sealed record Embeddings(float[] Values, int Rows, int Columns);
