using System.Text.Json;
using System.Text.Json.Nodes;
using Scan.Core.Evaluation;
using Scan.Core.IO;
using Scan.Core.Training;
using TorchSharp;

namespace Scan.Core.Pipeline;

/// <summary>
/// The files of one pipeline run. A stage is finished when its report.json exists; it is written last, after the
/// stage's model or neighbours, so an interrupted stage never looks finished. Layout:
/// <code>
/// options.json                       the options the run was started with
/// pretext/checkpoint.scan            SimCLR state after the last completed epoch
/// pretext/contrastive.scan           the trained SimCLR model (backbone + projection head)
/// pretext/report.json
/// mining/neighbors.scan, mining/report.json
/// clustering/checkpoint.scan, clustering/model.scan, clustering/report.json
/// selflabel/checkpoint.scan, selflabel/checkpoint.judge, selflabel/model.scan, selflabel/report.json
/// model.scan, metrics.json           the final model and every stage's figures
/// run.lock                           held open (exclusively) while a run uses the folder
/// </code>
/// Every file read back carries a format version and a SHA-256, so a damaged one is named rather than trusted: the
/// .scan files are <see cref="ScanFile"/> containers (the neighbours a <see cref="Mining.NeighborSetFile"/>), and
/// options.json and report.json are <see cref="ChecksummedJson"/>. metrics.json is written for people and never read.
/// FORMATS.md beside the README describes every file and its version.
/// </summary>
internal sealed class RunDirectory
{
    private readonly string _root;

    public RunDirectory(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    /// <summary>The SimCLR model a finished pretext stage saved in <paramref name="runDirectory"/>, rebuilt with the
    /// run's options (see <see cref="ScanPipeline.LoadPretextModel"/>); null when there is none.</summary>
    public static Models.ContrastiveModel? LoadPretextModel(string runDirectory, int channels, int height, int width)
    {
        if (!Directory.Exists(runDirectory) || ScanOptions.FromRunDirectory(runDirectory) is not { } options)
            return null;
        var runs = new RunDirectory(runDirectory);
        if (runs.ReadReport(ScanStage.Pretext) is null || !File.Exists(runs.ContrastiveModelPath))
            return null;
        // The initial weights drawn here are all replaced by the file's, so the global generator's state does not matter.
        var model = new Models.ContrastiveModel(options.Backbone.Build(channels, height, width), options.Pretext.ProjectionDim);
        try
        {
            runs.LoadModule(runs.ContrastiveModelPath, "contrastive-model", model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    public string ContrastiveModelPath => Path.Combine(_root, "pretext", "contrastive.scan");
    public string NeighborsPath => Path.Combine(_root, "mining", "neighbors.scan");
    public string FinalModelPath => Path.Combine(_root, "model.scan");
    public string CheckpointPath(ScanStage stage) => Path.Combine(_root, Folder(stage), "checkpoint.scan");
    public string ModelPath(ScanStage stage) => Path.Combine(_root, Folder(stage), "model.scan");
    private string ReportPath(ScanStage stage) => Path.Combine(_root, Folder(stage), "report.json");

    /// <summary>
    /// Takes the folder for one run: <c>run.lock</c> opened without sharing, which the operating system refuses to a
    /// second opener in this process or another, until the returned handle is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another run (in this process or another) uses the folder.</exception>
    /// <exception cref="IOException">The folder cannot be written (read-only, or no permission); the message names it.</exception>
    public IDisposable Lock()
    {
        string path = Path.Combine(_root, "run.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsHeldByAnother(e))
        {
            throw new InvalidOperationException(
                $"Run directory '{_root}' is in use by another run ({path} is held open). Wait for that run to end, " +
                "or give this one its own run directory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only folder or file system, or no permission: not another run, and nothing of the run can be
            // written there.
            throw new IOException(
                $"Run directory '{_root}' cannot be written: {path} cannot be created or opened for writing ({e.Message.TrimEnd('.')}). " +
                "Give the run a writable directory.", e);
        }
    }

    // How .NET reports the lock taken by someone else: flock's EWOULDBLOCK (errno 11) on Linux and macOS (35),
    // ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION on Windows. Anything else (EROFS, EACCES, ENOSPC) is a folder
    // that cannot be written.
    private static bool IsHeldByAnother(IOException e) =>
        e.HResult == (OperatingSystem.IsMacOS() ? 35 : 11) || e.HResult == unchecked((int)0x80070020) || e.HResult == unchecked((int)0x80070021);

    /// <summary>Records the options of a new run, or checks that a resumed run uses the same ones.</summary>
    /// <exception cref="InvalidOperationException">The folder holds a run made with different options.</exception>
    /// <exception cref="InvalidDataException">The folder's options.json is damaged; the message names it.</exception>
    public void ClaimFor(ScanOptions options)
    {
        string path = Path.Combine(_root, "options.json");
        var current = Comparable(options);
        if (File.Exists(path))
        {
            var previous = ChecksummedJson.Read(path, JsonFormatVersion);
            previous.Remove("runDirectory");
            if (!JsonNode.DeepEquals(previous, current))
            {
                throw new InvalidOperationException(
                    $"Run directory '{_root}' holds a run made with different options (see its options.json). " +
                    "Use a new run directory, or the same options to resume it.");
            }
            return;
        }
        AtomicFile.WriteAllText(path, ChecksummedJson.Serialize(options, JsonFormatVersion));
    }

    /// <summary>Format version of options.json and report.json (see <see cref="ChecksummedJson"/>).</summary>
    private const int JsonFormatVersion = 1;

    /// <summary>The options.json of the run in <paramref name="root"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is damaged or not options; the message names it.</exception>
    internal static ScanOptions? ReadOptions(string root)
    {
        string path = Path.Combine(root, "options.json");
        if (!File.Exists(path))
            return null;
        var json = ChecksummedJson.Read(path, JsonFormatVersion);
        try
        {
            return json.Deserialize<ScanOptions>(ScanJson.Options)
                   ?? throw new InvalidDataException($"'{path}' is invalid: expected options, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is invalid: {e.Message}", e);
        }
    }

    private static JsonNode Comparable(ScanOptions options)
    {
        var node = JsonSerializer.SerializeToNode(options, ScanJson.Options)!.AsObject();
        node.Remove("runDirectory");
        return node;
    }

    /// <summary>The stage's report, or null when the stage has not finished.</summary>
    /// <exception cref="InvalidDataException">The report is damaged or not a report; the message names it.</exception>
    public StageReport? ReadReport(ScanStage stage)
    {
        string path = ReportPath(stage);
        if (!File.Exists(path))
            return null;
        var json = ChecksummedJson.Read(path, JsonFormatVersion);
        try
        {
            return json.Deserialize<StageReport>(ScanJson.Options)
                   ?? throw new InvalidDataException($"Stage report '{path}' is invalid: expected a report, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Stage report '{path}' is invalid: {e.Message}", e);
        }
    }

    public void WriteReport(StageReport report) =>
        AtomicFile.WriteAllText(ReportPath(report.Stage), ChecksummedJson.Serialize(report, JsonFormatVersion));

    /// <summary>Format version of metrics.json (FORMATS.md); not checked, as the file is never read back.</summary>
    private const int MetricsFormatVersion = 1;

    public void WriteMetrics(IReadOnlyList<StageReport> stages, ClusteringReport? evaluation) =>
        AtomicFile.WriteAllText(Path.Combine(_root, "metrics.json"),
            JsonSerializer.Serialize(new { formatVersion = MetricsFormatVersion, stages, evaluation }, ScanJson.Options));

    public void SaveModule(string path, string kind, torch.nn.Module module)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            module.save(writer);
        ScanFile.Write(path, kind, 1, buffer.ToArray());
    }

    public void LoadModule(string path, string kind, torch.nn.Module module)
    {
        using var reader = new BinaryReader(new MemoryStream(ScanFile.Read(path, kind, 1)));
        try
        {
            module.load(reader, strict: true);
        }
        catch (Exception e) when (StateDictLoadErrors.IsDamagedStream(e))
        {
            throw new InvalidDataException($"'{path}' does not fit this model: {e.Message}", e);
        }
    }

    private static string Folder(ScanStage stage) => stage switch
    {
        ScanStage.Pretext => "pretext",
        ScanStage.Mining => "mining",
        ScanStage.Clustering => "clustering",
        ScanStage.SelfLabeling => "selflabel",
        _ => "evaluation",
    };
}
