using Scan.Core.Data;
using Scan.Core.Inference;
using Scan.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>Bad arguments to <see cref="ScanModel"/>: construction, loading and prediction.</summary>
public sealed class BadInputInferenceTests
{
    private static readonly Type Arg = typeof(ArgumentException);
    private static readonly Type Range = typeof(ArgumentOutOfRangeException);

    private static ScanModelInfo Info(int clusters = 4) => new()
    {
        Channels = 1, Height = 16, Width = 16, Mean = new[] { 0.5f }, Std = new[] { 0.25f },
        Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16 }, Clusters = clusters, Heads = 1, SelectedHead = 0,
    };

    private static ScanModel Model() => new(TinyModels.Clustering(1), Info());

    private static void Predict(Func<Tensor> images, int batchSize = 8)
    {
        using var model = Model();
        using var x = images();
        model.Predict(x, batchSize);
    }

    private static IEnumerable<BadInput> Rows()
    {
        yield return BadInput.Sync("ScanModel: null network", () => new ScanModel(null!, Info()), typeof(ArgumentNullException), "network");
        yield return BadInput.Sync("ScanModel: info with other clusters", () => new ScanModel(TinyModels.Clustering(1), Info(clusters: 5)), Arg, "info", "1 head(s) of 5", "1 head(s) of 4");
        yield return BadInput.Sync("ScanModel.Load: missing file", () => ScanModel.Load("/nonexistent/model.scan"), typeof(FileNotFoundException), null, "/nonexistent/model.scan");
        yield return BadInput.Sync("ScanModel.Predict: null images", () => Model().Predict((Tensor)null!), typeof(ArgumentNullException), "images");
        yield return BadInput.Sync("ScanModel.Predict: rank 3", () => Predict(() => rand(2, 16, 16)), Arg, "images", "(N, 1, 16, 16)", "found (2, 16, 16)");
        yield return BadInput.Sync("ScanModel.Predict: RGB images", () => Predict(() => rand(2, 3, 16, 16)), Arg, "images", "found (2, 3, 16, 16)");
        yield return BadInput.Sync("ScanModel.Predict: other size", () => Predict(() => rand(2, 1, 28, 28)), Arg, "images", "found (2, 1, 28, 28)");
        yield return BadInput.Sync("ScanModel.Predict: uint8 pixels", () => Predict(() => zeros(new long[] { 2, 1, 16, 16 }, ScalarType.Byte)), Arg, "images", "Byte");
        yield return BadInput.Sync("ScanModel.Predict: images on the meta device", () => Predict(() => rand(2, 1, 16, 16, device: META)), Arg, "images", "meta");
        yield return BadInput.Sync("ScanModel.Predict: batch size 0", () => Predict(() => rand(2, 1, 16, 16), batchSize: 0), Range, "batchSize", "0");
        yield return BadInput.Sync("ScanModel.Predict: negative batch size", () => Predict(() => rand(2, 1, 16, 16), batchSize: -4), Range, "batchSize", "-4");
        yield return BadInput.Sync("ScanModel.Predict(dataset): other size", () =>
        {
            using var images = rand(3, 1, 28, 28);
            using var model = Model();
            model.Predict(new InMemoryImageDataset(images));
        }, Arg, "dataset", "1x16x16", "1x28x28");
        yield return BadInput.Sync("ScanModel.Predict(dataset): batch size 0", () =>
        {
            using var images = rand(3, 1, 16, 16);
            using var model = Model();
            model.Predict(new InMemoryImageDataset(images), batchSize: 0);
        }, Range, "batchSize", "0");
        yield return BadInput.Sync("ScanModel.PredictFiles: missing file", () => Model().PredictFiles(new[] { "/nonexistent/a.png" }), typeof(FileNotFoundException), null, "/nonexistent/a.png");
    }

    public static TheoryData<string> Names() => BadInputTable.Names(Rows());

    [Theory]
    [MemberData(nameof(Names))]
    public Task Is_refused_naming_the_argument_and_the_value(string row) => BadInputTable.Check(Rows(), row);
}
