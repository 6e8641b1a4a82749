using Scan.Core.Clustering;
using Scan.Core.Inference;
using Scan.Core.Models;
using Scan.Tests.Stages;
using static TorchSharp.torch;

namespace Scan.Tests.Clustering;

/// <summary>
/// Heads that read principal components of the standardised pixels beside the backbone's features
/// (<see cref="ScanClusteringOptions.PixelComponents"/>): the components are the covariance's leading eigenvectors,
/// blind to each image's brightness and contrast, saved with the model, and they let SCAN separate classes the
/// backbone cannot.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class PixelComponentsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-pixels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ClusteringModel Model(int components, int clusters = 3, int size = 6) =>
        ClusteringModel.Create(ResNetBackbone.Small(1, width: 8), clusters, heads: 2, components, size * size);

    [Fact]
    public void The_projection_spans_the_leading_eigenvectors_of_the_standardised_pixels_covariance()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        // Images with a few strong directions of variation plus noise, at random brightness and contrast.
        var patterns = randn(4, 36);
        var images = (randn(300, 4).mul(tensor(new[] { 5f, 3f, 2f, 1f })).matmul(patterns) + randn(300, 36) * 0.3)
            .view(300, 1, 6, 6) * (rand(300, 1, 1, 1) + 0.5) + rand(300, 1, 1, 1);
        using var model = Model(components: 3);

        model.FitPixelProjection(images);

        // Independent reference: the full eigendecomposition of the covariance of the standardised pixels.
        var planes = images.flatten(1).to(ScalarType.Float64);
        var x = (planes - planes.mean([1], keepdim: true)) / (planes.std(1, keepdim: true) + 1e-6);
        var centred = x - x.mean([0]);
        var (values, vectors) = linalg.eigh(centred.t().matmul(centred));
        var expected = vectors.flip(1)[.., ..3];
        var basis = model.state_dict()["pixel_basis"].to(ScalarType.Float64);
        // Same components up to sign: |cos| between each pair of matched columns is 1.
        var cosines = (basis * expected).sum(0, keepdim: false).abs();
        cosines.min().item<double>().Should().BeGreaterThan(0.999);
        (basis.t().matmul(basis) - eye(3, dtype: ScalarType.Float64)).abs().max().item<double>().Should().BeLessThan(1e-5, "orthonormal columns");
        (model.state_dict()["pixel_mean"].to(ScalarType.Float64) - x.mean([0])).abs().max().item<double>().Should().BeLessThan(1e-5);
        values.flip(0)[2].item<double>().Should().BeGreaterThan(values.flip(0)[3].item<double>(), "the test's directions are distinct");
    }

    [Fact]
    public void The_heads_pixel_input_ignores_each_images_brightness_and_contrast_and_is_deterministic()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var images = rand(40, 1, 6, 6);
        using var a = Model(components: 4);
        using var b = Model(components: 4);
        a.FitPixelProjection(images);
        b.FitPixelProjection(images.clone());
        a.eval();
        using var noGrad = no_grad();

        var plain = a.HeadInput(images);
        var rescaled = a.HeadInput(images * 0.4 + 0.3);

        plain.shape.Should().Equal(40, a.Backbone.FeatureDim + 4);
        a.HeadInputDim.Should().Be(a.Backbone.FeatureDim + 4);
        var pixelPart = plain[.., (int)a.Backbone.FeatureDim..];
        (pixelPart - rescaled[.., (int)a.Backbone.FeatureDim..]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        pixelPart.norm(1).sub(1).abs().max().item<float>().Should().BeLessThan(1e-5f, "the pixel part is a unit vector");
        (a.state_dict()["pixel_basis"] - b.state_dict()["pixel_basis"]).abs().max().item<float>().Should().Be(0f);
    }

    [Fact]
    public void A_model_with_pixel_components_saves_as_version_2_and_loads_to_the_same_predictions()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var images = rand(30, 1, 6, 6);
        var network = Model(components: 5);
        network.FitPixelProjection(images);
        using var model = new ScanModel(network, Info(network, components: 5));
        string path = Path.Combine(_dir, "pixels.scan");
        model.Save(path);

        using var loaded = ScanModel.Load(path);

        loaded.Info.PixelComponents.Should().Be(5);
        loaded.Network.PixelComponents.Should().Be(5);
        loaded.Predict(images).Probabilities.ToArray().Should().Equal(model.Predict(images).Probabilities.ToArray());
        ContentVersion(path).Should().Be(2u);

        using var plain = new ScanModel(Model(components: 0), Info(Model(0), components: 0));
        string plainPath = Path.Combine(_dir, "plain.scan");
        plain.Save(plainPath);
        ContentVersion(plainPath).Should().Be(1u, "a model without pixel components stays readable by earlier versions");
        using var plainLoaded = ScanModel.Load(plainPath);
        plainLoaded.Info.PixelComponents.Should().Be(0);
    }

    [Fact]
    public void A_pixel_model_relabelled_as_format_version_1_is_refused_naming_the_file()
    {
        using var scope = NewDisposeScope();
        var network = Model(components: 3);
        network.FitPixelProjection(rand(10, 1, 6, 6));
        using var model = new ScanModel(network, Info(network, components: 3));
        string path = Path.Combine(_dir, "relabelled.scan");
        model.Save(path);
        byte[] file = File.ReadAllBytes(path);
        int kindLength = BitConverter.ToUInt16(file, 10);
        BitConverter.GetBytes(1u).CopyTo(file, 12 + kindLength);
        File.WriteAllBytes(path, file);

        var act = () => ScanModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*version 1*3 pixel components*");
    }

    [Fact]
    public void Info_and_network_that_disagree_on_pixel_components_are_refused_naming_both()
    {
        using var network = Model(components: 2);
        var act = () => new ScanModel(network, Info(network, components: 0));
        act.Should().Throw<ArgumentException>().WithMessage("*0 pixel components*2 pixel components*");
    }

    [Fact]
    public async Task The_trainer_refuses_a_model_built_for_another_number_of_pixel_components()
    {
        var data = new SyntheticImages(perClass: 8, classes: 2, size: 6);
        using var neighbors = data.TrueNeighbors(3);
        using var model = Model(components: 0, clusters: 2);
        var options = new ScanClusteringOptions { Clusters = 2, Heads = 2, PixelComponents = 4, Epochs = 1, BatchSize = 8, UpdateBackbone = false };
        var act = () => new ScanClusteringTrainer(options, new NoAugmentation(), new NoAugmentation()).TrainAsync(model, data, neighbors);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*0 pixel component(s)*options ask for 4*");
    }

    [Fact]
    public async Task With_a_backbone_that_maps_every_image_to_one_point_pixel_components_still_separate_the_classes()
    {
        var data = new SyntheticImages(perClass: 40, classes: 4, noise: 0.1);
        using var neighbors = data.TrueNeighbors(5);
        async Task<double> Accuracy(int components)
        {
            manual_seed(2);
            using var model = ClusteringModel.Create(new ConstantBackbone(), 4, 2, components, data.Channels * data.Height * data.Width);
            var options = new ScanClusteringOptions
            {
                Clusters = 4, Heads = 2, PixelComponents = components, EntropyWeight = 2, Epochs = 40, BatchSize = 32,
                LearningRate = 1e-2, UpdateBackbone = false, FeatureCachePasses = 1, FeatureCacheViews = CachedViews.Unaugmented,
            };
            var result = await new ScanClusteringTrainer(options, new NoAugmentation(), new NoAugmentation(), seed: 1).TrainAsync(model, data, neighbors);
            return BruteForceAccuracy.Of(result.Predictions!.Clusters.ToArray(), data.Labels!, 4);
        }

        (await Accuracy(0)).Should().BeLessThan(0.5, "features alone say nothing about the image");
        (await Accuracy(8)).Should().BeGreaterThan(0.95);
    }

    private static ScanModelInfo Info(ClusteringModel network, int components) => new()
    {
        Channels = 1, Height = 6, Width = 6, Mean = [0.5f], Std = [0.25f], Backbone = BackboneOptions.Describe(network.Backbone),
        Clusters = network.Clusters, Heads = network.HeadCount, SelectedHead = 0, PixelComponents = components,
    };

    /// <summary>The content version of a Scan.NET container (FORMATS.md): after magic, container version, kind.</summary>
    private static uint ContentVersion(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int kindLength = BitConverter.ToUInt16(file, 10);
        return BitConverter.ToUInt32(file, 12 + kindLength);
    }
}
