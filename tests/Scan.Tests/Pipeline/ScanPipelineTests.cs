using Scan.Core.Inference;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Training;
using Scan.Tests.Stages;

namespace Scan.Tests.Pipeline;

[Collection(nameof(TrainingCollection))]
public sealed class ScanPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-pipeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A pipeline small enough for a unit test: every stage runs, on 64 synthetic 16x16 images.</summary>
    internal static ScanPipelineBuilder Tiny() => ScanPipeline.Create()
        .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
        .Configure(o =>
        {
            o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 };
            o.Augmentation.Weak = new Augment.Recipes.WeakViewOptions { CropPadding = 1 };
        })
        .WithPretext(o => { o.Epochs = 2; o.BatchSize = 32; o.ProjectionDim = 16; })
        .WithNeighbors(5)
        .WithClustering(o => { o.Clusters = 4; o.Heads = 2; o.Epochs = 10; o.BatchSize = 32; o.UpdateBackbone = false; o.FeatureCachePasses = 2; o.LearningRate = 1e-2; })
        .WithSelfLabeling(o => { o.Epochs = 1; o.BatchSize = 32; o.ConfidenceThreshold = 0.5; o.FreezeBatchNorm = true; })
        .WithSeed(7);

    [Fact]
    public async Task Runs_every_stage_reports_them_and_resumes_a_finished_run_with_identical_results()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        string run = Path.Combine(_dir, "run");
        using var first = await Tiny().WithRunDirectory(run).Build().RunAsync(data);

        first.Stages.Select(s => s.Stage).Should().Equal(ScanStage.Pretext, ScanStage.Mining, ScanStage.Clustering, ScanStage.SelfLabeling, ScanStage.Evaluation);
        first.Assignments.Should().HaveCount(64).And.OnlyContain(c => c >= 0 && c < 4);
        first.Confidences.Should().OnlyContain(c => c > 0.25f - 1e-6f && c <= 1f);
        first.Evaluation.Should().NotBeNull();
        first.Mining!.NeighborPurity.Should().BeInRange(0, 1);
        first.Mining.KnnAccuracy.Should().BeInRange(0, 1);
        first.Clustering!.SelectedHead.Should().Be(first.SelectedHead);
        first.Clustering.Heads.Should().HaveCount(2);
        first.Stages[2].Evaluation.Should().NotBeNull();
        first.Prototypes.Should().HaveCount(4);
        foreach (var file in new[] { "options.json", "pretext/contrastive.scan", "pretext/report.json", "mining/neighbors.scan", "clustering/model.scan", "selflabel/model.scan", "model.scan", "metrics.json" })
            File.Exists(Path.Combine(run, file)).Should().BeTrue(file);

        using var second = await Tiny().WithRunDirectory(run).Build().RunAsync(data);
        second.Stages.Take(4).Should().OnlyContain(s => s.Loaded);
        second.Assignments.Should().Equal(first.Assignments);
        // The typed reports come back from report.json as they were written.
        second.Mining.Should().BeEquivalentTo(first.Mining, o => o.Excluding(r => r!.Loaded).Excluding(r => r!.Seconds));
        second.Clustering.Should().BeEquivalentTo(first.Clustering, o => o.Excluding(r => r!.Loaded).Excluding(r => r!.Seconds));
        second.SelfLabeling.Should().BeEquivalentTo(first.SelfLabeling, o => o.Excluding(r => r!.Loaded).Excluding(r => r!.Seconds));
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        metrics.RootElement.GetProperty("formatVersion").GetInt32().Should().Be(1);
        metrics.RootElement.GetProperty("stages")[1].GetProperty("report").GetString().Should().Be("mining");
    }

    [Fact]
    public async Task A_damaged_self_labelling_judge_file_is_refused_by_name_when_the_stage_resumes()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        string run = Path.Combine(_dir, "run");
        using (await Tiny().WithRunDirectory(run).Build().RunAsync(data)) { }
        string judge = Path.Combine(run, "selflabel", "checkpoint.judge");
        File.Exists(judge).Should().BeTrue("the judge keeps its state beside the stage's checkpoint");
        // The stage is unfinished again (no report) and its judge state is damaged.
        File.Delete(Path.Combine(run, "selflabel", "report.json"));
        File.WriteAllBytes(judge, new byte[] { 1, 2, 3 });

        var act = () => Tiny().WithRunDirectory(run).Build().RunAsync(data);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain(judge).And.Contain("delete it");
    }

    [Fact]
    public async Task The_saved_model_predicts_what_the_pipeline_predicted()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await Tiny().WithoutSelfLabeling().Build().RunAsync(data);
        string path = Path.Combine(_dir, "model.scan");
        result.Model.Save(path);

        using var loaded = ScanModel.Load(path);
        loaded.Info.SelectedHead.Should().Be(result.SelectedHead);
        var predictions = loaded.Predict(data);
        predictions.Clusters.Should().Equal(result.Assignments);
        predictions.Confidences.Should().Equal(result.Confidences);
        predictions.Probability(0, predictions.Clusters[0]).Should().Be(predictions.Confidences[0]);
    }

    [Fact]
    public async Task A_run_directory_made_with_other_options_is_refused()
    {
        var data = new SyntheticImages(perClass: 16, classes: 4);
        string run = Path.Combine(_dir, "other");
        using (await Tiny().WithoutSelfLabeling().WithRunDirectory(run).Build().RunAsync(data)) { }
        var act = () => Tiny().WithoutSelfLabeling().WithSeed(8).WithRunDirectory(run).Build().RunAsync(data);
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*different options*");
    }

    [Fact]
    public async Task Datasets_that_do_not_fit_the_options_are_refused_before_any_training()
    {
        var small = new SyntheticImages(perClass: 2, classes: 4);   // 8 images
        var tooManyNeighbors = () => Tiny().WithNeighbors(8).Build().RunAsync(small);
        await tooManyNeighbors.Should().ThrowAsync<ArgumentException>().WithMessage("*NumNeighbors (8)*dataset size (8)*");
        var tooBigBatch = () => Tiny().WithNeighbors(3).Build().RunAsync(small);
        await tooBigBatch.Should().ThrowAsync<ArgumentException>().WithMessage("*BatchSize (32)*8 images*");
    }

    [Fact]
    public void Invalid_options_are_all_listed_when_building()
    {
        var act = () => ScanPipeline.Create()
            .WithClustering(o => { o.Clusters = 1; o.EntropyWeight = -2; })
            .WithSelfLabeling(o => o.ConfidenceThreshold = 1.5)
            .OnDevice("gpu0")
            .Build();
        var e = act.Should().Throw<ArgumentException>().Which;
        e.Message.Should().Contain("Clusters").And.Contain("EntropyWeight").And.Contain("ConfidenceThreshold").And.Contain("Device");
    }

    [Fact]
    public void Every_preset_is_valid()
    {
        foreach (var name in new[] { "cifar10", "cifar20", "stl10", "fashion-mnist-quick", "fashion-mnist-full" })
            Scan.Core.Training.OptionsValidation.Failures(ScanPresets.ByName(name)).Should().BeEmpty(name);
        ScanPresets.Cifar20().Clustering.Clusters.Should().Be(20);
        ScanPresets.Cifar10().Clustering.EntropyWeight.Should().Be(5.0);
        var unknown = () => ScanPresets.ByName("mnist");
        unknown.Should().Throw<ArgumentException>().WithMessage("*'mnist'*");
    }
}
