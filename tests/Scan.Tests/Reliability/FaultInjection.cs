using Microsoft.Extensions.Logging;
using Scan.Augment;
using Scan.Core.Data;
using Scan.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Wraps an augmentation and, from call <c>cleanCalls + 1</c> on, writes <paramref name="poison"/> into one pixel of
/// every batch it returns: the way a NaN or infinity shows up in the middle of training. The calls before are the
/// inner augmentation's output unchanged, so a run is identical to a clean one up to that point.
/// </summary>
internal sealed class PoisonedAugmentation(IAugmentation inner, int cleanCalls, float poison) : IAugmentation
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Tensor Apply(Tensor images, Generator generator)
    {
        var result = inner.Apply(images, generator);
        if (Interlocked.Increment(ref _calls) > cleanCalls)
            result[0, 0, 0, 0] = poison;
        return result;
    }
}

/// <summary>Multiplies every batch by a factor chosen per call (0 erases the images).</summary>
internal sealed class ScalingAugmentation(Func<int, float> factorOfCall) : IAugmentation
{
    private int _calls;

    public Tensor Apply(Tensor images, Generator generator) =>
        images.mul(factorOfCall(Interlocked.Increment(ref _calls)));
}

/// <summary>
/// A backbone whose features are <c>scale · exp(W x)</c>: unbounded, as a model without normalisation can be. A large
/// learning rate makes it overflow to infinity within a few steps, which is how divergence looks in practice.
/// </summary>
internal sealed class UnboundedBackbone : Backbone
{
    private readonly Linear fc;
    private readonly double _scale;

    public UnboundedBackbone(int pixels, int featureDim, double scale = 1) : base(nameof(UnboundedBackbone))
    {
        fc = nn.Linear(pixels, featureDim);
        _scale = scale;
        FeatureDim = featureDim;
        RegisterComponents();
    }

    public override int FeatureDim { get; }

    public override int InputChannels => 1;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return fc.forward(images.flatten(1)).exp().mul(_scale).MoveToOuterDisposeScope();
    }
}

/// <summary>Images as given, without any validation: the stand-in for a caller's own <see cref="IImageDataset"/>
/// that lets NaN or infinite pixels through.</summary>
internal sealed class RawImages(Tensor images) : IImageDataset
{
    public int Count => (int)images.shape[0];
    public int Channels => (int)images.shape[1];
    public int Height => (int)images.shape[2];
    public int Width => (int)images.shape[3];
    public IReadOnlyList<int>? Labels => null;
    public IReadOnlyList<string>? ClassNames => null;

    public Tensor GetBatch(ReadOnlySpan<int> indices)
    {
        using var idx = tensor(indices.ToArray().Select(i => (long)i).ToArray());
        return images.index_select(0, idx);
    }
}

/// <summary>A logger that keeps every message, for tests that check what a stage reports.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = new();

    public event Action<string>? Logged;

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
                return _entries.ToList();
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        string message = formatter(state, exception);
        lock (_entries)
            _entries.Add((logLevel, message));
        Logged?.Invoke(message);
    }
}

/// <summary>Small models for the reliability tests (width 16: narrower convolutions hit a libtorch 2.10 CPU bug that
/// gives NaN gradients now and then on two threads, which would make NaN tests fail for the wrong reason).</summary>
internal static class TinyModels
{
    public static ResNetBackbone Backbone(int channels = 1) => new(ResNetStem.Cifar, channels, 16, new[] { 1, 1, 1, 1 });

    public static ContrastiveModel Contrastive(long seed)
    {
        random.manual_seed(seed);
        return new ContrastiveModel(Backbone(), projectionDim: 16);
    }

    public static ClusteringModel Clustering(long seed, int clusters = 4, int heads = 1)
    {
        random.manual_seed(seed);
        return new ClusteringModel(Backbone(), clusters, heads);
    }

    /// <summary>A copy of every parameter and buffer, for bit-exact comparisons later.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var noGrad = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
    }

    public static void ShouldEqual(nn.Module model, Dictionary<string, Tensor> expected, string because)
    {
        var actual = model.state_dict();
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, value) in actual)
            value.allclose(expected[key], rtol: 0, atol: 0).Should().BeTrue($"{key} must equal {because}");
    }
}
