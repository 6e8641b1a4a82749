using System.Diagnostics;
using Scan.Core.Inference;
using Scan.Core.Models;
using SkiaSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Scan.Tests.Inference;

/// <summary>
/// A model carries the names its user gives the clusters (through Save and Load, into every prediction), and
/// exports to a PyTorch state dict that PyTorch itself loads strictly and evaluates to the same logits.
/// </summary>
public sealed class ScanModelExportTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A model with non-trivial BatchNorm statistics (so a dropped buffer changes the logits) and head 1 selected.</summary>
    private static ScanModel MakeModel(ResNetBackbone backbone, int size, int clusters = 3, int heads = 2)
    {
        manual_seed(7);
        var network = new ClusteringModel(backbone, clusters, heads) { SelectedHead = heads - 1 };
        using (no_grad())
        {
            foreach (var (name, tensor) in network.state_dict())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bn1.bias", StringComparison.Ordinal))
                    tensor.uniform_(-0.2, 0.2);
                else if (name.EndsWith("running_var", StringComparison.Ordinal))
                    tensor.uniform_(0.5, 1.5);
                else if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                    tensor.fill_(42);
            }
        }
        var info = new ScanModelInfo
        {
            Channels = backbone.InputChannels, Height = size, Width = size,
            Mean = Enumerable.Repeat(0.3f, backbone.InputChannels).ToArray(), Std = Enumerable.Repeat(0.5f, backbone.InputChannels).ToArray(),
            Backbone = BackboneOptions.Describe(backbone), Clusters = clusters, Heads = heads, SelectedHead = heads - 1,
        };
        return new ScanModel(network, info);
    }

    public static TheoryData<string> Architectures => new() { "small-cifar", "resnet18-imagenet" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ExportPyTorch_LoadsStrictlyInPyTorch_AndReproducesTheLogits(string architecture)
    {
        var (backbone, size, blocks, stem) = architecture == "small-cifar"
            ? (ResNetBackbone.Small(1, width: 8), 12, "1,1,1,1", "cifar")
            : (ResNetBackbone.ResNet18(ResNetStem.ImageNet, 3, width: 8), 40, "2,2,2,2", "imagenet");
        using var model = MakeModel(backbone, size);
        const int batch = 4;
        using var images = rand(batch, model.Info.Channels, size, size);
        using var normalised = (images - 0.3f) / 0.5f;
        using var logits = NoGradForward(model, normalised);
        // The logits PyTorch must reproduce are the ones Predict uses.
        using (var probabilities = logits.softmax(1))
            probabilities.data<float>().ToArray().Should().BeEquivalentTo(model.Predict(images).Probabilities,
                o => o.Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-6f)).WhenTypeIs<float>());

        string pth = Path.Combine(_dir, "model.pth"), input = Path.Combine(_dir, "input.f32"), expected = Path.Combine(_dir, "expected.f32");
        model.ExportPyTorch(pth);
        File.WriteAllBytes(input, normalised.contiguous().bytes.ToArray());
        File.WriteAllBytes(expected, logits.contiguous().bytes.ToArray());

        string[] Arguments(int head) => [pth, input, expected, "--channels", $"{model.Info.Channels}", "--size", $"{size}", $"{size}",
            "--batch", $"{batch}", "--width", "8", "--blocks", blocks, "--stem", stem, "--clusters", "3", "--heads", "2", "--head", $"{head}"];
        var (exitCode, output) = RunPython(CheckScript, Arguments(1));
        log.WriteLine(output);

        exitCode.Should().Be(0, output);
        output.Should().Contain("loaded strictly");
        // The check can fail: the other head's logits are not ours.
        RunPython(CheckScript, Arguments(0)).ExitCode.Should().Be(1, "head 0 gives other logits than the selected head 1");
    }

    private static string CheckScript => Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "check_pytorch_export.py");

    [Fact]
    public void ExportPyTorch_ReadsBackIntoAResNet_WithTheBackbonePrefix()
    {
        using var model = MakeModel(ResNetBackbone.Small(1, width: 8), 12);
        string pth = Path.Combine(_dir, "model.pth");
        model.ExportPyTorch(pth);

        using var fresh = ResNetBackbone.Small(1, width: 8);
        fresh.LoadPyTorchWeights(pth, new PyTorchWeightsOptions { KeyPrefix = "backbone.", Strict = false });

        using var x = rand(2, 1, 12, 12);
        model.Network.Backbone.eval();
        fresh.eval();
        using var noGrad = no_grad();
        using var a = model.Network.Backbone.forward(x);
        using var b = fresh.forward(x);
        (a - b).abs().max().item<float>().Should().Be(0f, "the exported backbone is bit-identical");
    }

    [Fact]
    public void ClusterNames_SurviveSaveAndLoad_AndNameEveryPrediction()
    {
        using var model = MakeModel(ResNetBackbone.Small(1, width: 8), 12);
        model.SetClusterNames(["shoes", "shirts", "bags"]);
        string path = Path.Combine(_dir, "named.scan");
        model.Save(path);

        using var loaded = ScanModel.Load(path);
        using var images = rand(5, 1, 12, 12);
        var predictions = loaded.Predict(images);

        loaded.Info.ClusterNames.Should().Equal("shoes", "shirts", "bags");
        predictions.ClusterNames.Should().Equal("shoes", "shirts", "bags");
        predictions.Names.Should().Equal(predictions.Clusters.Select(c => new[] { "shoes", "shirts", "bags" }[c]));
        predictions.NameOf(4).Should().Be(new[] { "shoes", "shirts", "bags" }[predictions.Clusters[4]]);
    }

    [Fact]
    public void PredictFiles_NamesTheClusters()
    {
        using var model = MakeModel(ResNetBackbone.Small(1, width: 8), 12);
        model.SetClusterNames(["a", "b", "c"]);
        string png = Path.Combine(_dir, "grey.png");
        using (var bitmap = new SKBitmap(20, 16))
        {
            bitmap.Erase(new SKColor(120, 120, 120));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(png, data.ToArray());
        }

        var predictions = model.PredictFiles([png, png]);

        predictions.Names.Should().HaveCount(2).And.OnlyContain(n => n == new[] { "a", "b", "c" }[predictions.Clusters[0]]);
    }

    [Fact]
    public void Unnamed_model_predicts_without_names_and_names_can_be_cleared()
    {
        using var model = MakeModel(ResNetBackbone.Small(1, width: 8), 12);
        using var images = rand(2, 1, 12, 12);
        model.Predict(images).Names.Should().BeNull();

        model.SetClusterNames(["x", "y", "z"]);
        model.SetClusterNames(null);

        model.Info.ClusterNames.Should().BeNull();
        model.Predict(images).NameOf(0).Should().BeNull();
    }

    [Fact]
    public void SetClusterNames_RejectsAWrongCountOrABlankName()
    {
        using var model = MakeModel(ResNetBackbone.Small(1, width: 8), 12);

        model.Invoking(m => m.SetClusterNames(["a", "b"])).Should().Throw<ArgumentException>().WithMessage("Expected 3 cluster names*found 2*");
        model.Invoking(m => m.SetClusterNames(["a", " ", "c"])).Should().Throw<ArgumentException>().WithMessage("Cluster name 1 is blank*");
        model.Info.ClusterNames.Should().BeNull("a rejected call changes nothing");
    }

    private static Tensor NoGradForward(ScanModel model, Tensor normalised)
    {
        using var noGrad = no_grad();
        model.Network.eval();
        return model.Network.forward(normalised);
    }

    private static (int ExitCode, string Output) RunPython(string script, params string[] arguments)
    {
        const string python = "/usr/bin/python3";
        File.Exists(python).Should().BeTrue("the PyTorch check needs Debian's python3 with python3-torch (.ci/run installs them)");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("python3 finishes within two minutes");
        return (process.ExitCode, stdout + stderr.Result);
    }
}
