using Xunit.Abstractions;
using System.Text.Json;
using Scan.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Models;

/// <summary>
/// Loading weights saved by PyTorch. Fixtures: Fixtures/models/make_pytorch_weights.py (ResNetBackbone.Small(1)
/// rebuilt from torchvision's BasicBlock, seeded; its state dict with torchvision's fc, a SCAN-style checkpoint
/// {'model': {backbone.*, cluster_head.0.*}, 'head': 0}, and PyTorch's eval-mode outputs for a fixed input).
/// </summary>
public sealed class PyTorchWeightsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "models");
    private static readonly string TorchvisionPath = Path.Combine(FixtureDir, "small_resnet_torchvision.pt");
    private static readonly string ScanModelPath = Path.Combine(FixtureDir, "small_resnet_scan_model.pt");

    private readonly string _dir = Directory.CreateTempSubdirectory("scan-pytorch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_torchvision_state_dict_gives_the_features_PyTorch_computed()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var backbone = ResNetBackbone.Small(1);

        var result = backbone.LoadPyTorchWeights(TorchvisionPath);

        result.LoadedKeys.Should().BeEquivalentTo(backbone.state_dict().Keys, "every parameter and buffer, BatchNorm statistics included");
        result.IgnoredKeys.Should().Equal("fc.bias", "fc.weight");
        result.MissingKeys.Should().BeEmpty();
        result.UnexpectedKeys.Should().BeEmpty();
        backbone.eval();
        using (no_grad())
            AssertClose(backbone.forward(Input()), Expected("features"));
    }

    [Fact]
    public void A_SCAN_checkpoint_loads_into_a_clustering_model_with_its_head()
    {
        using var scope = NewDisposeScope();
        var model = new ClusteringModel(ResNetBackbone.Small(1), clusters: 10);

        var result = model.LoadPyTorchWeights(ScanModelPath);

        result.LoadedKeys.Should().Contain(new[] { "backbone.layer4.0.downsample.1.running_var", "cluster_head.0.weight" });
        result.IgnoredKeys.Should().BeEmpty();
        model.eval();
        using (no_grad())
        {
            AssertClose(model.forward(Input()), Expected("logits"));
            AssertClose(model.Backbone.forward(Input()), Expected("features"));
        }
    }

    [Fact]
    public void The_key_prefix_loads_a_checkpoints_backbone_into_a_backbone()
    {
        using var scope = NewDisposeScope();
        var backbone = ResNetBackbone.Small(1);

        var result = backbone.LoadPyTorchWeights(ScanModelPath, new PyTorchWeightsOptions { KeyPrefix = "backbone." });

        result.IgnoredKeys.Should().Equal("cluster_head.0.bias", "cluster_head.0.weight");
        backbone.eval();
        using (no_grad())
            AssertClose(backbone.forward(Input()), Expected("features"));
    }

    [Fact]
    public void Without_the_prefix_the_error_says_which_prefix_to_set_and_nothing_is_loaded()
    {
        using var scope = NewDisposeScope();
        var backbone = ResNetBackbone.Small(1);
        var before = backbone.state_dict()["conv1.weight"].clone();

        var act = () => backbone.LoadPyTorchWeights(ScanModelPath);

        var error = act.Should().Throw<StateDictMismatchException>()
            .WithMessage($"*'{ScanModelPath}' does not match ResNetBackbone*Nothing was loaded*KeyPrefix = \"backbone.\"*").Which;
        error.Path.Should().Be(ScanModelPath);
        error.MissingKeys.Should().BeEquivalentTo(backbone.state_dict().Keys);
        error.UnexpectedKeys.Should().Contain(new[] { "backbone.conv1.weight", "cluster_head.0.weight" });
        backbone.state_dict()["conv1.weight"].allclose(before, rtol: 0, atol: 0).Should().BeTrue("a failed load leaves the model unchanged");
    }

    [Fact]
    public void A_missing_key_is_named_in_strict_mode_and_reported_in_non_strict_mode()
    {
        using var scope = NewDisposeScope();
        // Two blocks in the first stage: layer1.1.* is not in the file.
        var backbone = new ResNetBackbone(ResNetStem.Cifar, 1, 16, new[] { 2, 1, 1, 1 });

        var strict = () => backbone.LoadPyTorchWeights(TorchvisionPath);
        var error = strict.Should().Throw<StateDictMismatchException>()
            .WithMessage("*12 missing key(s), 0 unexpected key(s), 0 shape mismatch(es)*Missing*layer1.1.conv1.weight*Strict = false*").Which;
        error.MissingKeys.Should().OnlyContain(k => k.StartsWith("layer1.1."));

        var result = backbone.LoadPyTorchWeights(TorchvisionPath, new PyTorchWeightsOptions { Strict = false });
        result.MissingKeys.Should().HaveCount(error.MissingKeys.Count).And.OnlyContain(k => k.StartsWith("layer1.1."));
        result.LoadedKeys.Should().Contain("layer1.0.conv1.weight").And.NotContain(k => k.StartsWith("layer1.1."));
    }

    [Fact]
    public void An_unexpected_key_is_named_in_strict_mode()
    {
        using var scope = NewDisposeScope();
        var backbone = ResNetBackbone.Small(1);

        // Without the default skip of torchvision's classifier, fc.* has no place in a backbone.
        var act = () => backbone.LoadPyTorchWeights(TorchvisionPath, new PyTorchWeightsOptions { SkipPrefixes = [] });

        act.Should().Throw<StateDictMismatchException>()
            .WithMessage("*0 missing key(s), 2 unexpected key(s)*Unexpected (in the file, not in the model):*fc.bias*fc.weight*")
            .Which.UnexpectedKeys.Should().Equal("fc.bias", "fc.weight");
    }

    [Fact]
    public void A_shape_mismatch_names_the_key_and_both_shapes_even_in_non_strict_mode()
    {
        using var scope = NewDisposeScope();
        var rgb = ResNetBackbone.Small(3);
        var before = rgb.state_dict()["layer1.0.conv1.weight"].clone();

        foreach (bool strict in new[] { true, false })
        {
            var act = () => rgb.LoadPyTorchWeights(TorchvisionPath, new PyTorchWeightsOptions { Strict = strict });
            act.Should().Throw<StateDictMismatchException>()
                .WithMessage("*1 shape mismatch(es)*conv1.weight: expected (16, 3, 3, 3), found (16, 1, 3, 3)*build the model with the file's sizes*")
                .Which.ShapeMismatches.Should().ContainSingle()
                .Which.Should().BeEquivalentTo(new StateDictShapeMismatch("conv1.weight", new long[] { 16, 3, 3, 3 }, new long[] { 16, 1, 3, 3 }));
        }
        rgb.state_dict()["layer1.0.conv1.weight"].allclose(before, rtol: 0, atol: 0).Should().BeTrue("keys that did match were not loaded either");
    }

    [Fact]
    public void Non_strict_loading_into_a_contrastive_model_takes_the_backbone_and_reports_the_heads()
    {
        using var scope = NewDisposeScope();
        var model = new ContrastiveModel(ResNetBackbone.Small(1));

        var result = model.LoadPyTorchWeights(ScanModelPath, new PyTorchWeightsOptions { Strict = false });

        result.MissingKeys.Should().BeEquivalentTo("contrastive_head.0.weight", "contrastive_head.0.bias", "contrastive_head.2.weight", "contrastive_head.2.bias");
        result.UnexpectedKeys.Should().BeEquivalentTo("cluster_head.0.weight", "cluster_head.0.bias");
        model.Backbone.eval();
        using (no_grad())
            AssertClose(model.Backbone.forward(Input()), Expected("features"));
    }

    [Fact]
    public void Rename_key_maps_the_files_names_onto_the_models()
    {
        using var scope = NewDisposeScope();
        var model = new ClusteringModel(ResNetBackbone.Small(1), clusters: 10, heads: 2);

        var result = model.LoadPyTorchWeights(ScanModelPath, new PyTorchWeightsOptions
        {
            RenameKey = k => k.Replace("cluster_head.0.", "cluster_head.1.", StringComparison.Ordinal),
            Strict = false,
        });

        result.MissingKeys.Should().BeEquivalentTo("cluster_head.0.weight", "cluster_head.0.bias");
        model.eval();
        model.SelectedHead = 1;
        using (no_grad())
            AssertClose(model.forward(Input()), Expected("logits"));
    }

    [Fact]
    public void A_backbone_file_loaded_into_a_whole_model_points_to_the_backbone()
    {
        using var scope = NewDisposeScope();
        var model = new ClusteringModel(ResNetBackbone.Small(1), clusters: 10);

        var act = () => model.LoadPyTorchWeights(TorchvisionPath);

        act.Should().Throw<StateDictMismatchException>().WithMessage("*only the model's 'backbone' part*model.Backbone*");
    }

    [Fact]
    public void Nothing_in_common_is_an_error_even_in_non_strict_mode()
    {
        using var scope = NewDisposeScope();
        var backbone = ResNetBackbone.Small(1);

        var act = () => backbone.LoadPyTorchWeights(ScanModelPath, new PyTorchWeightsOptions { KeyPrefix = "encoder.", Strict = false });

        act.Should().Throw<StateDictMismatchException>().WithMessage("*Nothing was loaded*")
            .Which.MissingKeys.Should().HaveCount(backbone.state_dict().Count);
    }

    [Fact]
    public void Truncated_files_are_refused_with_the_file_named()
    {
        byte[] good = File.ReadAllBytes(TorchvisionPath);
        string path = Path.Combine(_dir, "truncated.pt");
        foreach (int length in new[] { 0, 1, 4, 100, 30_000, good.Length / 2, good.Length - 22, good.Length - 1 })
        {
            File.WriteAllBytes(path, good[..length]);
            using var scope = NewDisposeScope();
            var act = () => ResNetBackbone.Small(1).LoadPyTorchWeights(path);
            act.Should().Throw<InvalidDataException>($"the file was cut to {length} bytes")
                .WithMessage($"*'{path}' is not a readable PyTorch state dict*");
        }
    }

    [Fact]
    public void A_flipped_byte_anywhere_is_refused_with_the_file_named_or_changes_nothing()
    {
        string path = Path.Combine(_dir, "damaged.pt");
        byte[] good = File.ReadAllBytes(TorchvisionPath);
        using var expected = Expected("features");
        // data.pkl (the first entry, after its 30-byte local header and name), then offsets spread over the file.
        int pickle = 30 + "small_resnet_torchvision/data.pkl".Length;
        var offsets = Enumerable.Range(0, 20).Select(i => pickle + 13 * i)
            .Concat(Enumerable.Range(0, 60).Select(i => (int)((long)good.Length * i / 60)))
            .Append(good.Length - 1).ToList();
        offsets.Should().HaveCount(Reliability.ReliabilityCaseCounts.PyTorchWeightFlips, "RELIABILITY.md quotes this count");
        int refused = 0;
        foreach (int offset in offsets)
        {
            byte[] bad = (byte[])good.Clone();
            bad[offset] ^= 0xA5;
            File.WriteAllBytes(path, bad);
            using var scope = NewDisposeScope();
            var backbone = ResNetBackbone.Small(1);
            try
            {
                backbone.LoadPyTorchWeights(path);
            }
            catch (InvalidDataException e)
            {
                e.Message.Should().Contain($"'{path}' is not a readable PyTorch state dict");
                refused++;
                continue;
            }
            // Loaded: the byte was zip padding or a header field the reader does not use; the weights must be intact.
            backbone.eval();
            using (no_grad())
                backbone.forward(Input()).allclose(expected, rtol: 0, atol: 1e-6).Should().BeTrue($"byte {offset} was flipped and the load succeeded");
        }
        output.WriteLine($"{refused} of {offsets.Count} flipped bytes refused, the others changed nothing");
        refused.Should().BeGreaterThan(60, "tensor bytes and the pickle are covered by the entries' CRC-32");
    }

    [Fact]
    public void Foreign_files_are_refused_with_the_file_named()
    {
        string path = Path.Combine(_dir, "foreign.pt");
        File.WriteAllText(path, "not a state dict");
        var text = () => ResNetBackbone.Small(1).LoadPyTorchWeights(path);
        text.Should().Throw<InvalidDataException>().WithMessage("*not a zip archive*");

        File.WriteAllBytes(path, new byte[] { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc });
        var legacy = () => ResNetBackbone.Small(1).LoadPyTorchWeights(path);
        legacy.Should().Throw<InvalidDataException>().WithMessage("*legacy (pre-1.6) format*");

        var missing = () => ResNetBackbone.Small(1).LoadPyTorchWeights(Path.Combine(_dir, "nowhere.pt"));
        missing.Should().Throw<FileNotFoundException>().WithMessage("*nowhere.pt*");
    }

    /// <summary>Shape (2, 1, 28, 28): the input of make_pytorch_weights.py, ((arange(n) % 97) / 97 - 0.5).</summary>
    private static Tensor Input() =>
        (arange(2 * 1 * 28 * 28, int64).remainder(97).to_type(float32) / 97.0f - 0.5f).reshape(2, 1, 28, 28);

    private static Tensor Expected(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "small_resnet_expected.json")));
        var rows = json.RootElement.GetProperty(name).EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length });
    }

    private void AssertClose(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        double maxError = (actual - expected).abs().max().item<float>();
        output.WriteLine($"max |Scan.NET - PyTorch| over {string.Join("x", actual.shape)}: {maxError:E2}");
        maxError.Should().BeLessThan(1e-4, "the outputs must equal PyTorch's");
    }
}
