using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scan.Core.Data;
using Scan.Core.IO;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Tests.Data;
using Scan.Tests.Stages;
using TorchSharp;
using Xunit.Abstractions;

namespace Scan.Tests.Pipeline;

/// <summary>
/// Golden runs: two whole pipeline runs whose neighbours, assignments, confidences, final weights and health checks
/// were recorded before the pipeline was restructured (issue 15), and must be reproduced bit for bit after any
/// change that is meant to keep behaviour. The options are read from the fixture (every property written out), so a
/// change to a preset's or an options class's defaults does not move the golden run.
/// <para>
/// Floating-point results depend on the CPU's instruction set and libtorch's thread count, so each recording is keyed
/// by both; on a machine with no recording the test says so and compares nothing. To record (or re-record after a
/// change that is meant to change behaviour) run the tests with <c>SCAN_GOLDEN_RECORD=1</c>: the recording for this
/// machine is written to <c>tests/Scan.Tests/Fixtures/golden/</c>, keeping the fixture's options. Delete a fixture
/// file to take its options from <see cref="TinyOptions"/> / <see cref="QuickOptions"/> again.
/// </para>
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class GoldenRunTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-golden-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public Task The_tiny_configuration_reproduces_its_golden_run_bit_for_bit() =>
        Check("tiny", TinyOptions, () => new SyntheticImages(perClass: 16, classes: 4));

    [Fact]
    public Task The_quick_preset_on_2000_bundled_images_reproduces_its_golden_run_bit_for_bit()
    {
        var test = FashionMnist.LoadBundled(RepositoryPaths.SearchFrom);
        return Check("quick2000", QuickOptions, () => test.Subset(Enumerable.Range(0, 2000).ToArray()), test);
    }

    /// <summary>The pipeline tests' Tiny configuration with every option a default could move written out.</summary>
    internal static ScanOptions TinyOptions()
    {
        var o = Pinned(new ScanOptions());
        o.Seed = 7;
        o.Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16, Stem = ResNetStem.Cifar };
        o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 };
        o.Augmentation.Weak = new Augment.Recipes.WeakViewOptions { CropPadding = 1 };
        o.Pretext.Epochs = 2;
        o.Pretext.BatchSize = 32;
        o.Pretext.ProjectionDim = 16;
        o.Mining.NumNeighbors = 5;
        o.Clustering.Clusters = 4;
        o.Clustering.Heads = 2;
        o.Clustering.Epochs = 10;
        o.Clustering.BatchSize = 32;
        o.Clustering.UpdateBackbone = false;
        o.Clustering.FeatureCachePasses = 2;
        o.Clustering.LearningRate = 1e-2;
        o.SelfLabeling.Epochs = 1;
        o.SelfLabeling.BatchSize = 32;
        o.SelfLabeling.ConfidenceThreshold = 0.5;
        o.SelfLabeling.FreezeBatchNorm = true;
        return o;
    }

    /// <summary>
    /// The Quick preset as it was when the golden run was recorded, with shorter schedules (a 2,000-image run in
    /// about a minute on 2 cores) and float32 pretext training (bfloat16 results depend on the CPU's bf16 units).
    /// </summary>
    internal static ScanOptions QuickOptions()
    {
        var o = Pinned(ScanPresets.FashionMnistQuick());
        o.Seed = 0;
        o.Pretext.Precision = TrainingPrecision.Float32;
        o.Pretext.Layout = ConvolutionLayout.Contiguous;   // as recorded; channels-last differs in the last bits
        o.Pretext.Epochs = 6;
        o.Pretext.BatchSize = 256;
        o.Pretext.WarmupEpochs = 1;
        o.Mining.NumNeighbors = 20;
        o.Clustering.Clusters = 10;
        o.Clustering.Heads = 10;
        o.Clustering.Epochs = 60;
        o.SelfLabeling.Epochs = 2;
        o.SelfLabeling.BatchSize = 500;
        o.SelfLabeling.ConfidenceThreshold = 0.9;
        return o;
    }

    /// <summary>The run-level options, written out rather than left to their defaults.</summary>
    private static ScanOptions Pinned(ScanOptions o)
    {
        o.Device = "cpu";
        o.RunDirectory = null;
        o.SelfLabelingEnabled = true;
        return o;
    }

    private async Task Check(string name, Func<ScanOptions> defaultOptions, Func<IImageDataset> data, IDisposable? owner = null)
    {
        using var _ = owner;
        string path = Path.Combine(FixtureFolder(), $"{name}.json");
        var fixture = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : null;
        var options = fixture is null
            ? defaultOptions()
            : fixture["options"].Deserialize<ScanOptions>(ScanJson.Options)!;
        options.RunDirectory = Path.Combine(_dir, name);

        var dataset = data();
        using var result = await ScanPipeline.Create().WithOptions(options).Build().RunAsync(dataset);
        var neighbors = NeighborSet.Load(Path.Combine(options.RunDirectory, "mining", "neighbors.scan"));
        using var weights = new MemoryStream();
        using (var writer = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
            result.Model.Network.save(writer);
        var run = new GoldenRecording
        {
            Environment = EnvironmentKey(),
            NeighborIndicesSha256 = Sha256(MemoryMarshal.AsBytes(neighbors.Indices)),
            NeighborSimilaritiesSha256 = Sha256(MemoryMarshal.AsBytes(neighbors.Similarities)),
            ConfidencesSha256 = Sha256(MemoryMarshal.AsBytes(result.Confidences.ToArray().AsSpan())),
            WeightsSha256 = Sha256(weights.GetBuffer().AsSpan(0, (int)weights.Length)),
            SelectedHead = result.SelectedHead,
            Accuracy = result.Evaluation?.Accuracy,
            Health = result.Stages.SelectMany(s => s.Health.Select(h =>
                $"{s.Stage} {h.Kind} {h.Status} {h.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}")).ToArray(),
            Assignments = string.Concat(result.Assignments.Select(a => (char)('a' + a))),
        };
        output.WriteLine($"{name} on {run.Environment}: accuracy {run.Accuracy}, weights {run.WeightsSha256}");

        var recordings = fixture?["recordings"].Deserialize<List<GoldenRecording>>(ScanJson.Options) ?? new List<GoldenRecording>();
        var recorded = recordings.FirstOrDefault(r => r.Environment == run.Environment);
        if (Environment.GetEnvironmentVariable("SCAN_GOLDEN_RECORD") == "1")
        {
            recordings.RemoveAll(r => r.Environment == run.Environment);
            recordings.Add(run);
            options.RunDirectory = null;
            var file = new JsonObject
            {
                ["about"] = $"Golden run {name} of GoldenRunTests, written with SCAN_GOLDEN_RECORD=1. Assignments: one letter per image, a for cluster 0.",
                ["options"] = JsonSerializer.SerializeToNode(options, ScanJson.Options),
                ["recordings"] = JsonSerializer.SerializeToNode(recordings, ScanJson.Options),
            };
            Directory.CreateDirectory(FixtureFolder());
            File.WriteAllText(path, file.ToJsonString(new JsonSerializerOptions(ScanJson.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            output.WriteLine($"recorded {path}");
            return;
        }

        fixture.Should().NotBeNull($"the golden fixture {path} must exist (run the tests with SCAN_GOLDEN_RECORD=1 to write it)");
        if (recorded is null)
        {
            output.WriteLine($"No golden recording for '{run.Environment}' (recorded: {string.Join("; ", recordings.Select(r => r.Environment))}); " +
                             "nothing compared. Run with SCAN_GOLDEN_RECORD=1 to add one.");
            return;
        }
        run.Assignments.Should().Be(recorded.Assignments, "the assignments must match the golden run");
        run.NeighborIndicesSha256.Should().Be(recorded.NeighborIndicesSha256, "the mined neighbours must match");
        run.NeighborSimilaritiesSha256.Should().Be(recorded.NeighborSimilaritiesSha256, "the neighbours' similarities must match");
        run.Health.Should().Equal(recorded.Health, "the health checks must match");
        run.SelectedHead.Should().Be(recorded.SelectedHead);
        run.Accuracy.Should().Be(recorded.Accuracy);
        run.ConfidencesSha256.Should().Be(recorded.ConfidencesSha256, "the confidences must match");
        run.WeightsSha256.Should().Be(recorded.WeightsSha256, "the final weights must match bit for bit");
    }

    /// <summary>What a bit-for-bit float result depends on besides the code: the CPU's vector units and libtorch's threads.</summary>
    private static string EnvironmentKey()
    {
        var flags = new SortedSet<string>();
        if (File.Exists("/proc/cpuinfo"))
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            var all = line?.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? new HashSet<string>();
            foreach (var flag in new[] { "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile" })
                if (all.Contains(flag))
                    flags.Add(flag);
        }
        return $"{RuntimeInformation.ProcessArchitecture} [{string.Join(' ', flags)}], {torch.get_num_threads()} threads";
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string FixtureFolder([CallerFilePath] string source = "") =>
        File.Exists(source)
            ? Path.Combine(Path.GetDirectoryName(source)!, "..", "Fixtures", "golden")
            : Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden");

    private sealed record GoldenRecording
    {
        public required string Environment { get; init; }
        public required string NeighborIndicesSha256 { get; init; }
        public required string NeighborSimilaritiesSha256 { get; init; }
        public required string ConfidencesSha256 { get; init; }
        public required string WeightsSha256 { get; init; }
        public required int SelectedHead { get; init; }
        public double? Accuracy { get; init; }
        public required string[] Health { get; init; }
        public required string Assignments { get; init; }
    }
}
