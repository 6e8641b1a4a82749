using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Support;

/// <summary>Small synthetic batches and tensor helpers for the tests.</summary>
internal static class TestImages
{
    /// <summary>Uniform values in [0, 1), reproducible from <paramref name="seed"/>.</summary>
    internal static Tensor Random(long n, long channels, long height, long width, ulong seed = 7)
    {
        using var generator = new Generator(seed);
        return torch.rand([n, channels, height, width], ScalarType.Float32, generator: generator);
    }

    /// <summary>Distinct values in (0, 1] (value k / count), so every pixel can be traced after a permutation.</summary>
    internal static Tensor Ramp(long n, long channels, long height, long width)
    {
        var count = n * channels * height * width;
        return torch.arange(1, count + 1, ScalarType.Float32).div_(count).reshape(n, channels, height, width);
    }

    internal static float[] Values(Tensor tensor) => tensor.contiguous().data<float>().ToArray();

    internal static float MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    internal static Generator Generator(ulong seed = 1) => new(seed);
}
