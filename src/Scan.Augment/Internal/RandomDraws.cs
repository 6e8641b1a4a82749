using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// Per-sample random parameters, always drawn on the CPU from the caller's generator (so results do not depend on the
/// images' device) and copied to managed arrays, where the small per-sample arithmetic is done.
/// </summary>
internal static class RandomDraws
{
    /// <summary>Uniform in [low, high), one value per sample.</summary>
    internal static double[] Uniform(long count, double low, double high, Generator generator)
    {
        if (count == 0)
            return [];
        using var u = torch.rand(count, ScalarType.Float64, generator: generator);
        var values = u.data<double>().ToArray();
        for (var i = 0; i < values.Length; i++)
            values[i] = low + values[i] * (high - low);
        return values;
    }

    /// <summary>True with the given probability, one value per sample.</summary>
    internal static bool[] Bernoulli(long count, double probability, Generator generator)
    {
        var u = Uniform(count, 0, 1, generator);
        var result = new bool[u.Length];
        for (var i = 0; i < u.Length; i++)
            result[i] = u[i] < probability;
        return result;
    }

    /// <summary>Integers uniform in [low, highExclusive), one value per sample.</summary>
    internal static long[] Integers(long count, long low, long highExclusive, Generator generator)
    {
        if (count == 0)
            return [];
        using var r = torch.randint(low, highExclusive, [count], ScalarType.Int64, generator: generator);
        return r.data<long>().ToArray();
    }

    /// <summary>Integers uniform in [low, highExclusive), a (rows, count) table.</summary>
    internal static long[,] IntegerTable(int rows, long count, long low, long highExclusive, Generator generator)
    {
        var table = new long[rows, count];
        if (count == 0 || rows == 0)
            return table;
        using var r = torch.randint(low, highExclusive, [rows, count], ScalarType.Int64, generator: generator);
        var flat = r.data<long>().ToArray();
        for (var row = 0; row < rows; row++)
            for (var i = 0; i < count; i++)
                table[row, i] = flat[row * count + i];
        return table;
    }

    /// <summary>Per-sample values as a (N, 1, 1, 1) float32 tensor on <paramref name="device"/>, for broadcasting over images.</summary>
    internal static Tensor PerSample(IReadOnlyList<double> values, Device device)
    {
        var data = new float[values.Count];
        for (var i = 0; i < data.Length; i++)
            data[i] = (float)values[i];
        return OnDevice(torch.tensor(data, [data.Length, 1, 1, 1], ScalarType.Float32), device);
    }

    /// <summary>Sample indices as an int64 tensor on <paramref name="device"/>.</summary>
    internal static Tensor Indices(IReadOnlyList<long> indices, Device device) =>
        OnDevice(torch.tensor(indices.ToArray(), [indices.Count], ScalarType.Int64), device);

    /// <summary>Moves a freshly made CPU tensor to <paramref name="device"/>; skips the call when it is the CPU.</summary>
    internal static Tensor OnDevice(Tensor cpuTensor, Device device) =>
        device.type == DeviceType.CPU ? cpuTensor : cpuTensor.to(device);
}
