using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Kernels;

/// <summary>
/// ColorJitter for contiguous float32 batches on the CPU: each chosen sample gets its own brightness, contrast,
/// saturation and hue adjustments in its own order, all in one visit of the sample (which stays in the L1 cache),
/// with SIMD vectors. Same definitions as <see cref="ColorKernels"/> (torchvision's), which remain in use on other
/// devices and are tested against this kernel.
/// </summary>
/// <remarks>
/// Batched tensor ops need the batch split by the position of each adjustment in each sample's random order: 16
/// gathers, 16 scatters and some 20 passes over memory per view. On the 28x28 batches SCAN trains on, that cost
/// about ten times this kernel.
/// </remarks>
internal static class ColorJitterCpuKernel
{
    // Below this many values per batch, splitting the work over threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    internal const int Brightness = 0, Contrast = 1, Saturation = 2, Hue = 3;

    internal static bool CanRun(Tensor images) =>
        images.device.type == DeviceType.CPU && images.dtype == ScalarType.Float32 && images.is_contiguous();

    /// <summary>
    /// Adjusts, in place, the samples <paramref name="samples"/> of <paramref name="images"/> (N, C, H, W): sample
    /// samples[j] gets adjustments orders[j, 0..3] (Brightness, Contrast, Saturation, Hue), skipping those not
    /// <paramref name="enabled"/>, with factors[adjustment][j] (hue: shift in turns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyInPlace(Tensor images, IReadOnlyList<long> samples, long[,] orders, float[][] factors, bool[] enabled)
    {
        var channels = (int)images.shape[1];
        var plane = (int)(images.shape[2] * images.shape[3]);
        var count = samples.Count;
        if (count == 0)
            return;
        var threads = (long)count * channels * plane >= ParallelThreshold ? Math.Max(1, torch.get_num_threads()) : 1;
        var perThread = (count + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var data = MemoryMarshal.Cast<byte, float>(images.bytes);
            var end = Math.Min(count, (t + 1) * perThread);
            for (var j = t * perThread; j < end; j++)
            {
                var image = data.Slice((int)samples[j] * channels * plane, channels * plane);
                for (var position = 0; position < 4; position++)
                {
                    var adjustment = (int)orders[j, position];
                    if (!enabled[adjustment])
                        continue;
                    var factor = factors[adjustment][j];
                    switch (adjustment)
                    {
                        case Brightness:
                            ImageOpsCpu.Brightness(image, factor);
                            break;
                        case Contrast:
                            ImageOpsCpu.Contrast(image, channels, plane, factor);
                            break;
                        case Saturation:
                            ImageOpsCpu.Color(image, channels, plane, factor);
                            break;
                        default:
                            HueCpuKernel.RotateImage(image, image, plane, factor * 6f);
                            break;
                    }
                }
            }
        });
    }
}
