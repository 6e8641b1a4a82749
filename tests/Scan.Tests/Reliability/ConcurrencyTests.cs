using Microsoft.Extensions.Logging;
using Scan.Core.Models;
using Scan.Core.Pipeline;
using Scan.Core.Runtime;
using Scan.Core.Training;
using Scan.Tests.Stages;
using TorchSharp;

namespace Scan.Tests.Reliability;

/// <summary>
/// Pipelines on different threads of one process. TorchSharp's default random generator is process-wide and a
/// pipeline seeds it to initialise its weights, so two runs starting together could swap random draws; the pipeline
/// takes turns for the seeding and model construction only (all later randomness uses per-epoch generators). Runs on
/// one run directory, and a second RunAsync on a running pipeline, are refused.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class ConcurrencyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scan-concurrency-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every stage, as small as it gets: 64 synthetic 16x16 images.</summary>
    private static ScanPipelineBuilder Tiny(long seed) => ScanPipeline.Create()
        .WithBackbone(BackboneArchitecture.SmallResNet, width: 16, stem: ResNetStem.Cifar)
        .Configure(o =>
        {
            o.Augmentation.Strong = new Augment.Recipes.StrongViewOptions { CropPadding = 1, CutoutSize = 4 };
            o.Augmentation.Weak = new Augment.Recipes.WeakViewOptions { CropPadding = 1 };
        })
        .WithPretext(o => { o.Epochs = 1; o.BatchSize = 32; o.ProjectionDim = 16; })
        .WithNeighbors(5)
        .WithClustering(o => { o.Clusters = 4; o.Heads = 2; o.Epochs = 3; o.BatchSize = 32; o.UpdateBackbone = false; o.FeatureCachePasses = 2; o.LearningRate = 1e-2; })
        .WithSelfLabeling(o => { o.Epochs = 1; o.BatchSize = 32; o.ConfidenceThreshold = 0.3; })
        .WithSeed(seed);

    private static readonly SyntheticImages Data = new(perClass: 16, classes: 4);

    private sealed record Outcome(IReadOnlyList<int> Assignments, IReadOnlyList<float> Confidences, Dictionary<string, float[]> Weights, double[] Losses);

    private static async Task<Outcome> RunTiny(long seed)
    {
        using var result = await Tiny(seed).Build().RunAsync(Data);
        var weights = result.Model.Network.state_dict()
            .Where(kv => kv.Value.is_floating_point())
            .ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        var losses = result.Stages.SelectMany(s => s.History ?? Array.Empty<EpochRecord>()).Select(h => h.Metrics["loss"]).ToArray();
        return new Outcome(result.Assignments.ToArray(), result.Confidences.ToArray(), weights, losses);
    }

    private static void ShouldMatch(Outcome together, Outcome alone, string which)
    {
        together.Losses.Should().Equal(alone.Losses, $"{which}: every epoch's loss as when run alone");
        together.Assignments.Should().Equal(alone.Assignments, which);
        together.Confidences.Should().Equal(alone.Confidences, which);
        foreach (var (key, value) in alone.Weights)
            together.Weights[key].Should().Equal(value, $"{which}: {key}");
    }

    [Fact]
    public async Task Two_pipelines_started_together_on_different_threads_give_the_results_of_each_run_alone()
    {
        var aloneA = await RunTiny(7);
        var aloneB = await RunTiny(8);

        using var start = new Barrier(2);
        Task<Outcome> OnItsOwnThread(long seed) => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return RunTiny(seed).GetAwaiter().GetResult();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var a = OnItsOwnThread(7);
        var b = OnItsOwnThread(8);
        await Task.WhenAll(a, b);

        ShouldMatch(await a, aloneA, "seed 7");
        ShouldMatch(await b, aloneB, "seed 8");
    }

    [Fact]
    public async Task A_pipeline_waits_while_another_run_builds_its_models_and_logs_the_wait()
    {
        var logger = new RecordingLogger();
        using var waiting = new SemaphoreSlim(0);
        logger.Logged += m => { if (m.StartsWith("Waiting for another Scan.NET run", StringComparison.Ordinal)) waiting.Release(); };

        Task<ScanResult> run;
        await GlobalRandom.Gate.WaitAsync();   // as another pipeline building its models would
        try
        {
            run = Tiny(7).WithLogger(logger).Build().RunAsync(Data);
            (await waiting.WaitAsync(TimeSpan.FromSeconds(60))).Should().BeTrue("the pipeline must report that it waits");
            await Task.Delay(100);
            run.IsCompleted.Should().BeFalse("the pipeline cannot build its models while the generator is held");
        }
        finally
        {
            GlobalRandom.Gate.Release();
        }

        using var result = await run;
        result.Assignments.Should().HaveCount(Data.Count);
        logger.Entries.Count(e => e.Level == LogLevel.Information && e.Message.StartsWith("Waiting for another", StringComparison.Ordinal))
            .Should().Be(1, "only the first model construction found the generator held");
    }

    [Fact]
    public async Task A_second_run_on_a_run_directory_in_use_is_refused_and_the_running_pipeline_refuses_a_second_RunAsync()
    {
        string run = Path.Combine(_dir, "shared");
        using var cancel = new CancellationTokenSource();
        using var training = new SemaphoreSlim(0);
        using var proceed = new ManualResetEventSlim();
        // Progress arrives on the training thread: the first run holds there, inside its pretext stage.
        var progress = new HoldAtFirstReport(() => training.Release(), proceed);
        var first = Tiny(7).WithRunDirectory(run).Build();
        var firstRun = first.RunAsync(Data, progress, cancel.Token);
        (await training.WaitAsync(TimeSpan.FromSeconds(60))).Should().BeTrue();

        var again = () => first.RunAsync(Data);
        (await again.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*already running*");

        var second = () => Tiny(7).WithRunDirectory(run).Build().RunAsync(Data);
        (await second.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"Run directory '{run}' is in use by another run*");

        cancel.Cancel();
        proceed.Set();
        await firstRun.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();

        // Once the first run has ended, the directory is free again: the second run resumes it.
        using var resumed = await Tiny(7).WithRunDirectory(run).Build().RunAsync(Data);
        resumed.Assignments.Should().HaveCount(Data.Count);
    }

    private sealed class HoldAtFirstReport(Action onFirst, ManualResetEventSlim proceed) : IProgress<ScanProgress>
    {
        private int _reports;

        public void Report(ScanProgress value)
        {
            if (Interlocked.Increment(ref _reports) != 1)
                return;
            onFirst();
            proceed.Wait(TimeSpan.FromSeconds(60));
        }
    }
}
