using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Scan.Cli.Tests;

/// <summary>
/// `scan cluster --pretrained FILE.pth`: a backbone saved by PyTorch (Fixtures/tiny_backbone.pth, written by
/// Fixtures/make_pretrained_backbone.py: a small ResNet of width 8 for grayscale images, keys under
/// "module.backbone.", a classifier "module.fc.*" beside it) replaces the pretext stage.
/// </summary>
public sealed class PretrainedTests : IDisposable
{
    private static readonly string Weights = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_backbone.pth");

    private static readonly string[] Describe =
        ["--pretrained-architecture", "small-resnet", "--pretrained-width", "8", "--pretrained-prefix", "module.backbone."];

    private readonly ImageFolders.Temporary _temporary = new();

    private string Images(int perKind)
    {
        string images = _temporary.Sub("images");
        ImageFolders.WriteStripes(images, perKind, seed: 7);
        return images;
    }

    [Fact]
    public void Cluster_on_pytorch_weights_skips_the_pretext_embeds_with_them_and_resumes_on_them()
    {
        File.Exists(Weights).Should().BeTrue($"the fixture is copied to the test output ({Weights})");
        string images = Images(perKind: 12), output = _temporary.Sub("out");
        var run = CliProcess.Run(["cluster", images, "-k", "2", "--budget", "10s", "--out", output, "--pretrained", Weights, .. Describe]);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("Pretrained backbone: 72 tensors of").And.Contain("2 other keys ignored (e.g. module.fc.bias)")
            .And.Contain("The pretext stage is skipped");
        run.Output.Split('\n').Should().NotContain(l => Regex.IsMatch(l, @"^\s+Pretext\s+\d+%"), "no SimCLR training runs");
        foreach (string name in new[] { "clusters.csv", "model.scan", "embeddings.npy", "report.html" })
            File.Exists(Path.Combine(output, name)).Should().BeTrue(name);
        Directory.Exists(Path.Combine(output, "run", "pretext")).Should().BeFalse("no SimCLR model was trained");

        // The embeddings are the loaded backbone's features: 8 x width = 64 of them (the fitted backbone has 128).
        byte[] npy = File.ReadAllBytes(Path.Combine(output, "embeddings.npy"));
        string header = Encoding.ASCII.GetString(npy, 10, BinaryPrimitives.ReadUInt16LittleEndian(npy.AsSpan(8)));
        header.Should().Contain("'shape': (24, 64)");
        File.ReadAllText(Path.Combine(output, "report.html")).Should().Contain("features of the pretrained backbone tiny_backbone.pth");

        // --resume without --pretrained continues on the same weights (recorded in --out).
        var resumed = CliProcess.Run("cluster", images, "-k", "2", "--out", output, "--resume");
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Output.Should().Contain("Resuming the run").And.Contain("Pretrained backbone: 72 tensors of");
    }

    [Fact]
    public void Weights_that_do_not_fit_the_described_backbone_are_refused_before_training()
    {
        string images = Images(perKind: 5);
        var run = CliProcess.Run("cluster", images, "-k", "2", "--out", _temporary.Sub("out"), "--pretrained", Weights,
            "--pretrained-architecture", "small-resnet", "--pretrained-width", "16", "--pretrained-prefix", "module.backbone.");
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: --pretrained").And.Contain(Weights).And.Contain("small-resnet width 16")
            .And.Contain("conv1.weight", "the message names a tensor whose shape differs");
        run.Output.Should().NotContain("Fitting", "the weights are checked before fitting and training");
    }

    [Fact]
    public void A_missing_key_prefix_is_refused_with_a_hint()
    {
        string images = Images(perKind: 5);
        var run = CliProcess.Run("cluster", images, "-k", "2", "--out", _temporary.Sub("out"), "--pretrained", Weights,
            "--pretrained-architecture", "small-resnet", "--pretrained-width", "8");
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: --pretrained").And.Contain("pass --pretrained-prefix \"module.backbone.\"", "the hint names the prefix to strip");
    }

    [Fact]
    public void A_missing_weights_file_is_named()
    {
        string images = Images(perKind: 5), missing = _temporary.Sub("nope.pth");
        var run = CliProcess.Run("cluster", images, "-k", "2", "--out", _temporary.Sub("out"), "--pretrained", missing);
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().Contain("does not exist").And.Contain(missing);
    }

    [Fact]
    public void Backbone_options_without_pretrained_are_a_usage_error()
    {
        var run = CliProcess.Run("cluster", _temporary.Path, "-k", "2", "--pretrained-width", "8");
        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("--pretrained-width describes the --pretrained backbone");
    }

    public void Dispose() => _temporary.Dispose();
}
