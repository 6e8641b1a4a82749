using Scan.Augment;
using Scan.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

/// <summary>
/// A dataset with a known answer: class c of <c>classes</c> is a bright horizontal band at rows [2c·h/(2·classes), ...)
/// on a dark background, plus per-image noise. Classes are far apart in pixel space; images of one class are close.
/// </summary>
internal sealed class SyntheticImages : IImageDataset
{
    private readonly Tensor _images;   // shape: (N, 1, S, S)
    private readonly int[] _labels;

    public SyntheticImages(int perClass, int classes, int size = 16, int seed = 1, double noise = 0.1)
    {
        using var generator = new Generator((ulong)seed);
        _labels = Enumerable.Range(0, perClass * classes).Select(i => i % classes).ToArray();
        _images = zeros(_labels.Length, 1, size, size);
        int band = size / classes;
        for (int i = 0; i < _labels.Length; i++)
            _images[i, 0, TensorIndex.Slice(_labels[i] * band, _labels[i] * band + band)] = 1f;
        using var n = randn(_images.shape, generator: generator).mul_(noise);
        _images.add_(n).clamp_(0, 1);
        Height = Width = size;
        ClassNames = Enumerable.Range(0, classes).Select(c => $"band{c}").ToArray();
    }

    public int Count => _labels.Length;
    public int Channels => 1;
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<int>? Labels => _labels;
    public IReadOnlyList<string>? ClassNames { get; }

    public Tensor GetBatch(ReadOnlySpan<int> indices)
    {
        using var idx = tensor(indices.ToArray().Select(i => (long)i).ToArray());
        return _images.index_select(0, idx);
    }

    /// <summary>For every image, the <paramref name="k"/> other images of its class with the lowest index distance.</summary>
    public Tensor TrueNeighbors(int k)
    {
        var result = new long[Count, k];
        for (int i = 0; i < Count; i++)
        {
            var same = Enumerable.Range(0, Count).Where(j => j != i && _labels[j] == _labels[i]).Take(k).ToArray();
            for (int j = 0; j < k; j++)
                result[i, j] = same[j];
        }
        return tensor(result);
    }
}

/// <summary>A light per-sample random transform for tests: Gaussian noise from the generator.</summary>
internal sealed class NoiseAugmentation(double sigma) : IAugmentation
{
    public Tensor Apply(Tensor images, Generator generator)
    {
        using var noise = randn(images.shape, generator: generator);
        return images + noise.mul_(sigma).to(images.device);
    }
}

/// <summary>Identity (evaluation recipe stand-in).</summary>
internal sealed class NoAugmentation : IAugmentation
{
    public Tensor Apply(Tensor images, Generator generator) => images.clone();
}

/// <summary>Accuracy under the best one-to-one cluster→class map, by brute force over all permutations (small C only).</summary>
internal static class BruteForceAccuracy
{
    public static double Of(int[] predicted, IReadOnlyList<int> truth, int classes)
    {
        double best = 0;
        foreach (var perm in Permutations(Enumerable.Range(0, classes).ToArray()))
        {
            int hits = 0;
            for (int i = 0; i < predicted.Length; i++)
                if (perm[predicted[i]] == truth[i]) hits++;
            best = Math.Max(best, (double)hits / predicted.Length);
        }
        return best;
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var p in Permutations(rest))
                yield return new[] { items[i] }.Concat(p).ToArray();
        }
    }
}

/// <summary>An IProgress that runs on the reporting (training) thread, recording live-tensor counts and memory per epoch.</summary>
internal sealed class EpochProbe : IProgress<Scan.Core.Training.ScanProgress>
{
    public List<long> LiveTensors { get; } = new();
    public List<long> ResidentBytes { get; } = new();
    public List<Scan.Core.Training.ScanProgress> Epochs { get; } = new();
    public Action<Scan.Core.Training.ScanProgress>? OnEpoch { get; init; }

    public void Report(Scan.Core.Training.ScanProgress value)
    {
        if (!value.EpochCompleted)
            return;
        Epochs.Add(value);
        LiveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        ResidentBytes.Add(process.WorkingSet64);
        OnEpoch?.Invoke(value);
    }
}
