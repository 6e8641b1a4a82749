using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Support;

/// <summary>
/// Reads Fixtures/augment_fixture.json, written by Fixtures/make_augment_fixture.py from torchvision 0.14's tensor
/// functions: fixed 8-bit input batches and, per case, one op with one parameter per image and its output.
/// </summary>
internal static class TorchvisionFixture
{
    private static readonly Lazy<(Dictionary<string, (long[] Shape, byte[] Bytes)> Inputs, List<Case> Cases)> Data = new(Load);

    internal sealed record Case(int Index, string Op, string Input, double[]? Params, long[] Shape, float[] Output)
    {
        public override string ToString() => $"{Index}: {Op} on {Input}" + (Params is null ? "" : $" ({string.Join(", ", Params)})");
    }

    internal static IReadOnlyList<Case> Cases => Data.Value.Cases;

    /// <summary>The input batch as float32 in [0, 1]: bytes / 255, as the script's to_float.</summary>
    internal static Tensor Input(string name)
    {
        var (shape, bytes) = Data.Value.Inputs[name];
        return torch.tensor(bytes, shape).to_type(ScalarType.Float32).div_(255f);
    }

    private static (Dictionary<string, (long[], byte[])>, List<Case>) Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "augment_fixture.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var inputs = new Dictionary<string, (long[], byte[])>();
        foreach (var input in root.GetProperty("inputs").EnumerateObject())
        {
            var shape = input.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var bytes = input.Value.GetProperty("bytes").EnumerateArray().Select(e => e.GetByte()).ToArray();
            inputs[input.Name] = (shape, bytes);
        }

        var cases = new List<Case>();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var parameters = c.GetProperty("params");
            cases.Add(new Case(
                cases.Count,
                c.GetProperty("op").GetString()!,
                c.GetProperty("input").GetString()!,
                parameters.ValueKind == JsonValueKind.Null ? null : parameters.EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                c.GetProperty("output").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()));
        }

        return (inputs, cases);
    }
}
