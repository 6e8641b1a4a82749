using Scan.Core.Clustering;
using Scan.Core.Data;
using Scan.Core.Inference;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// NaN and infinite values handed in from outside (pixels of a caller's own dataset, features from an encoder)
/// are refused with an exception that names the argument and the first bad image or row, before any training step
/// could turn them into a diverged loss. The checks run on batches the library reads anyway.
/// </summary>
public sealed class NumericalInputTests
{
    private const int BadImage = 5;

    /// <summary>64 synthetic 16x16 images; image 5 has <paramref name="value"/> in one pixel.</summary>
    private static RawImages WithBadPixel(float value)
    {
        var clean = new SyntheticImages(perClass: 16, classes: 4);
        var images = clean.GetBatch(Enumerable.Range(0, clean.Count).ToArray());
        images[BadImage, 0, 3, 7] = value;
        return new RawImages(images);
    }

    public static TheoryData<string, float> PixelCases()
    {
        var data = new TheoryData<string, float>();
        foreach (var entry in new[] { "SimClrTrainer", "ScanClusteringTrainer (heads only)", "ScanClusteringTrainer (full)", "SelfLabelingTrainer",
                     "FeatureExtractor.Embed", "batches read from a dataset too large to hold", "ScanPipeline (normalisation given)" })
        {
            foreach (float value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                data.Add(entry, value);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PixelCases))]
    public async Task A_non_finite_pixel_is_refused_naming_the_dataset_and_the_image(string entry, float value)
    {
        var data = WithBadPixel(value);
        using var neighbors = new SyntheticImages(perClass: 16, classes: 4).TrueNeighbors(3);
        using var clustering = TinyModels.Clustering(1);
        Func<Task> act = entry switch
        {
            "SimClrTrainer" => async () =>
            {
                using var model = TinyModels.Contrastive(1);
                await new SimClrTrainer(new SimClrOptions { Epochs = 1, BatchSize = 32 }, new NoAugmentation()).TrainAsync(model, data);
            },
            "ScanClusteringTrainer (heads only)" or "ScanClusteringTrainer (full)" => () => new ScanClusteringTrainer(
                    new ScanClusteringOptions { Clusters = 4, Epochs = 1, BatchSize = 32, UpdateBackbone = entry.Contains("full") },
                    new NoAugmentation(), new NoAugmentation())
                .TrainAsync(clustering, data, neighbors),
            "SelfLabelingTrainer" => () => new SelfLabelingTrainer(new SelfLabelingOptions { Epochs = 1, BatchSize = 32 }, new NoAugmentation(), new NoAugmentation())
                .TrainAsync(clustering, data),
            "FeatureExtractor.Embed" => () =>
            {
                using var noGrad = no_grad();
                FeatureExtractor.Embed(data, x => clustering.Backbone.forward(x), new FeatureExtractorOptions { BatchSize = 4 }).Dispose();
                return Task.CompletedTask;
            },
            "batches read from a dataset too large to hold" => () =>
            {
                using var source = new BatchSource(data, CPU, residentBytes: 0);
                using var indices = arange(0, 8, dtype: int64);
                source.Get(indices).Dispose();
                return Task.CompletedTask;
            },
            _ => async () =>
            {
                var pipeline = ScanPipeline.Create()
                    .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
                    .Configure(o => { o.Augmentation.Mean = new[] { 0.5f }; o.Augmentation.Std = new[] { 0.25f }; })
                    .WithPretext(o => { o.Epochs = 1; o.BatchSize = 32; })
                    .WithNeighbors(5)
                    .WithClustering(o => { o.Clusters = 4; o.BatchSize = 32; })
                    .WithSelfLabeling(o => o.BatchSize = 32)
                    .Build();
                using var result = await pipeline.RunAsync(data);
            },
        };

        var e = (await act.Should().ThrowAsync<ArgumentException>()).Which;
        e.ParamName.Should().Be("dataset");
        string shown = float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
        e.Message.Should().StartWith($"Image {BadImage} of the dataset has a {shown} pixel");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public async Task The_pipeline_refuses_a_non_finite_pixel_while_measuring_the_normalisation(float value)
    {
        var pipeline = ScanPipeline.Create().WithNeighbors(5).WithClustering(o => o.Clusters = 4)
            .WithPretext(o => o.BatchSize = 32).WithSelfLabeling(o => o.BatchSize = 32).Configure(o => o.Clustering.BatchSize = 32).Build();
        var act = () => pipeline.RunAsync(WithBadPixel(value));
        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("dataset");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void Datasets_and_predictions_refuse_non_finite_pixels_given_as_tensors(float value)
    {
        using var images = rand(4, 1, 16, 16);
        images[2, 0, 1, 1] = value;
        var dataset = () => new InMemoryImageDataset(images);
        dataset.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("images");

        using var network = TinyModels.Clustering(1);
        using var model = new ScanModel(network, new ScanModelInfo
        {
            Channels = 1, Height = 16, Width = 16, Mean = new[] { 0.5f }, Std = new[] { 0.25f },
            Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16 }, Clusters = 4, Heads = 1, SelectedHead = 0,
        });
        var predict = () => model.Predict(images);
        string shown = float.IsNaN(value) ? "NaN" : "-infinity";
        predict.Should().Throw<ArgumentException>().WithMessage($"Image 2 of the images has a {shown} pixel*").Which.ParamName.Should().Be("images");
    }

    public static TheoryData<string, float> FullPassCases()
    {
        var data = new TheoryData<string, float>();
        foreach (var pass in new[] { "statistics", "statistics (spread sample)", "embedding", "prediction", "prediction (tensor)" })
        {
            foreach (float value in new[] { float.NaN, float.PositiveInfinity })
                data.Add(pass, value);
        }
        return data;
    }

    /// <summary>Every full pass reads through the same reader, whose one check names the image by its dataset
    /// index and the chunk it was read with; the bad image is in a later chunk, so a pass that counted from its
    /// chunk would name the wrong one.</summary>
    [Theory]
    [MemberData(nameof(FullPassCases))]
    public void Every_full_pass_refuses_a_non_finite_pixel_naming_the_image(string pass, float value)
    {
        const int bad = 38;
        var clean = new SyntheticImages(perClass: 16, classes: 4);
        using var images = clean.GetBatch(Enumerable.Range(0, clean.Count).ToArray());
        images[bad, 0, 2, 9] = value;
        var data = new RawImages(images);
        using var network = TinyModels.Clustering(1);
        using var model = new ScanModel(network, new ScanModelInfo
        {
            Channels = 1, Height = 16, Width = 16, Mean = new[] { 0.5f }, Std = new[] { 0.25f },
            Backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16 }, Clusters = 4, Heads = 1, SelectedHead = 0,
        });
        Action act = pass switch
        {
            "statistics" => () => DatasetStatistics.MeanStd(data),
            // 32 of the 64 images, every second one: image 38 is the 20th read.
            "statistics (spread sample)" => () => DatasetStatistics.MeanStd(data, maxImages: 32),
            "embedding" => () => FeatureExtractor.Embed(data, x => x.flatten(1), new FeatureExtractorOptions { BatchSize = 16 }).Dispose(),
            "prediction" => () => model.Predict(data, batchSize: 16),
            _ => () => model.Predict(images, batchSize: 16),
        };

        var e = act.Should().Throw<ArgumentException>().Which;
        string name = pass == "prediction (tensor)" ? "images" : "dataset";
        e.ParamName.Should().Be(name);
        string shown = float.IsNaN(value) ? "NaN" : "+infinity";
        e.Message.Should().StartWith($"Image {bad} of the {name} has a {shown} pixel; pixels must be finite");
        e.Message.Should().Contain(pass switch
        {
            "statistics" => "read with a batch of 64 image(s), from image 0 to image 63",
            "statistics (spread sample)" => "read with a batch of 32 image(s), from image 0 to image 62",
            _ => "read with images 32..47",
        });
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    [InlineData(float.NegativeInfinity, "-infinity")]
    public void The_miner_refuses_non_finite_features_naming_the_element(float value, string shown)
    {
        using var features = randn(10, 4);
        features[3, 1] = value;
        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 }).Mine(features);
        var e = act.Should().Throw<ArgumentException>().Which;
        e.ParamName.Should().Be("features");
        e.Message.Should().Contain($"features[3, 1] is {shown}");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    public void The_feature_extractor_refuses_an_encoder_that_returns_non_finite_features(float value, string shown)
    {
        var data = new SyntheticImages(perClass: 4, classes: 4);
        int batches = 0;
        var act = () => FeatureExtractor.Embed(data, images =>
        {
            var features = images.flatten(1).narrow(1, 0, 8).clone();
            if (++batches == 2)   // the second batch of 6: images 6 to 11
                features[1, 2] = value;
            return features;
        }, new FeatureExtractorOptions { BatchSize = 6 });
        var e = act.Should().Throw<ArgumentException>().Which;
        e.ParamName.Should().Be("encoder");
        e.Message.Should().StartWith($"The encoder returned a {shown} feature for image 7 ");
    }
}
