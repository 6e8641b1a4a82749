using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Scan.Cli.Files;
using Scan.Cli.Output;
using Scan.Core.Inference;
using Scan.Core.Pipeline;

namespace Scan.Cli.Commands;

/// <summary>
/// `scan inspect RUNDIR|MODEL`: for a model, its file format, input, architecture, clusters, heads and names; for a
/// run directory (or the --out folder of `scan cluster`, which holds one in run/), the options it was started with,
/// each stage's state, time, figures and health checks with the format versions of its files, and its final model.
/// </summary>
internal static class InspectCommand
{
    private static readonly string[] StageFolders = ["pretext", "mining", "clustering", "selflabel"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static int Run(string path)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            InspectFile(full);
            return ExitCodes.Success;
        }
        if (!Directory.Exists(full))
            throw new CliError($"'{full}' is neither a run directory nor a model file.");
        string run = File.Exists(Path.Combine(full, "options.json")) ? full
            : File.Exists(Path.Combine(full, ClusterCommand.RunFolderName, "options.json")) ? Path.Combine(full, ClusterCommand.RunFolderName)
            : File.Exists(Path.Combine(full, "model.scan")) ? ""
            : throw new CliError($"'{full}' holds no run (no options.json) and no model.scan.");
        if (run.Length == 0)
        {
            InspectFile(Path.Combine(full, "model.scan"));
            return ExitCodes.Success;
        }
        InspectRun(run);
        return ExitCodes.Success;
    }

    private static void InspectRun(string run)
    {
        CliConsole.Heading($"Run directory {run}");
        ScanOptions options;
        try
        {
            options = ScanOptions.FromRunDirectory(run) ?? throw new CliError($"'{run}' holds no options.json.");
        }
        catch (InvalidDataException e)
        {
            throw new CliError(e.Message, e);
        }
        CliConsole.Line($"options.json (format {FormatVersion(Path.Combine(run, "options.json"))}): seed {options.Seed}, device {options.Device}, " +
                        $"backbone {options.Backbone.Architecture} width {options.Backbone.Width}{(options.Backbone.Stem is { } stem ? $" {stem} stem" : "")}, " +
                        $"SimCLR {options.Pretext.Epochs} epochs of batch {options.Pretext.BatchSize}, K neighbours {options.Mining.NumNeighbors}, " +
                        $"{options.Clustering.Clusters} clusters, {options.Clustering.Heads} head(s), " +
                        (options.SelfLabelingEnabled ? $"self-labelling {options.SelfLabeling.Epochs} epochs." : "self-labelling off."));

        var rows = new List<IReadOnlyList<string>>();
        var health = new List<string>();
        foreach (string folder in StageFolders)
        {
            string report = Path.Combine(run, folder, "report.json");
            string[] files = Directory.Exists(Path.Combine(run, folder))
                ? Directory.GetFiles(Path.Combine(run, folder), "*.scan").Select(f => Describe(f)).Order(StringComparer.Ordinal).ToArray()
                : [];
            if (!File.Exists(report))
            {
                rows.Add([folder, files.Length == 0 ? "not started" : "unfinished", "", "", string.Join(", ", files)]);
                continue;
            }
            var node = JsonNode.Parse(File.ReadAllText(report))?.AsObject() ?? new JsonObject();
            double seconds = node["seconds"]?.GetValue<double>() ?? 0;
            var figures = node["figures"] is JsonObject f
                ? string.Join(", ", f.Select(p => $"{p.Key} {Number(p.Value)}"))
                : "";
            int epochs = node["history"] is JsonArray h ? h.Count : 0;
            if (epochs > 0)
                figures = $"{epochs} epochs" + (figures.Length > 0 ? ", " + figures : "");
            rows.Add([folder, $"finished (report format {node["formatVersion"]})", Duration.Describe(TimeSpan.FromSeconds(seconds)), figures,
                string.Join(", ", files)]);
            if (node["health"] is JsonArray checks)
            {
                foreach (var check in checks.OfType<JsonObject>())
                    health.Add($"{folder}: {check["kind"]} {check["status"]} ({Number(check["value"])} vs {Number(check["threshold"])}) {check["message"]}");
            }
        }
        CliConsole.Table(["stage", "state", "time", "figures", "files"], rows);
        if (health.Count > 0)
        {
            CliConsole.Heading("Health checks");
            foreach (string line in health)
                CliConsole.Line("  " + line);
        }
        string model = Path.Combine(run, "model.scan");
        if (File.Exists(model))
            InspectFile(model);
        else
            CliConsole.Line("No final model yet (model.scan): the run has not finished.");
    }

    private static void InspectFile(string path)
    {
        var header = ScanFileHeader.TryRead(path)
                     ?? throw new CliError($"'{path}' is not a Scan.NET file (no 'SCAN.NET' header).");
        CliConsole.Heading($"{path}: {header.Kind} format {header.ContentVersion} (container {header.ContainerVersion}), {header.PayloadBytes:N0} bytes");
        if (header.Kind != "scan-model")
            return;
        using var model = PredictCommand.LoadModel(path);
        var info = model.Info;
        CliConsole.Line($"Input {info.Channels}x{info.Height}x{info.Width} ({(info.Channels == 1 ? "grayscale" : "RGB")}), " +
                        $"mean [{string.Join(", ", info.Mean.Select(N))}], std [{string.Join(", ", info.Std.Select(N))}].");
        CliConsole.Line(info.Backbone is { } backbone
            ? $"Backbone {JsonSerializer.Serialize(backbone, Json).ReplaceLineEndings(" ")}"
            : "Backbone of the trainer's own class (no description).");
        CliConsole.Line($"{info.Clusters} clusters, {info.Heads} head(s), head {info.SelectedHead} selected.");
        if (info.ClusterNames is { Count: > 0 } names)
            CliConsole.Line("Names: " + string.Join(", ", names.Select((n, c) => $"{c}={n}")));
        else
            CliConsole.Line("No cluster names.");
    }

    private static string Describe(string file) =>
        ScanFileHeader.TryRead(file) is { } h ? $"{Path.GetFileName(file)} ({h.Kind} v{h.ContentVersion})" : Path.GetFileName(file);

    private static string FormatVersion(string jsonFile) =>
        JsonNode.Parse(File.ReadAllText(jsonFile))?["formatVersion"]?.ToString() ?? "?";

    private static string Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out double d) ? d.ToString("G4", CultureInfo.InvariantCulture) : node?.ToString() ?? "";

    private static string N(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
