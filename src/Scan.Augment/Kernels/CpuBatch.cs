using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>Runs managed per-sample code over a contiguous float32 CPU batch, split over torch's thread count.</summary>
internal static class CpuBatch
{
    // Below this many values per batch, splitting the work over threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Work on one sample: its index and its (C·H·W) values, writable.</summary>
    internal delegate void SampleAction(int index, Span<float> sample);

    internal static bool CanRun(Tensor images) =>
        images.device.type == DeviceType.CPU && images.dtype == ScalarType.Float32 && images.is_contiguous();

    /// <summary>
    /// Calls <paramref name="action"/> for every sample of <paramref name="images"/> (N, ...), on up to
    /// torch.get_num_threads() threads: .NET's pool threads sleep when idle, unlike spinning OpenMP workers, so a
    /// busy machine does not stall the batch.
    /// </summary>
    internal static void ForEachSample(Tensor images, SampleAction action)
    {
        var n = (int)images.shape[0];
        if (n == 0)
            return;
        var size = (int)(images.numel() / n);
        var threads = (long)n * size >= ParallelThreshold ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (n + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var data = MemoryMarshal.Cast<byte, float>(images.bytes);
            for (var i = (int)(t * perThread); i < Math.Min(n, (t + 1) * perThread); i++)
                action(i, data.Slice(i * size, size));
        });
    }
}
