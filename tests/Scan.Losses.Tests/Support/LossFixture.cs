using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Support;

/// <summary>
/// Reads Fixtures/losses.json, written by Fixtures/make_loss_fixture.py (PyTorch float64 reference). A case holds
/// its inputs as decimal text, parsed straight into the case's dtype, and the reference outputs as float64.
/// </summary>
internal static class LossFixture
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "losses.json"))));

    /// <summary>Case names of a section, as xunit theory data.</summary>
    public static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Document.Value.RootElement.GetProperty(section).EnumerateArray())
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static JsonElement Case(string section, string name) =>
        Document.Value.RootElement.GetProperty(section).EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == name);

    public static ScalarType DType(JsonElement c) => c.GetProperty("dtype").GetString() switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        var other => throw new InvalidDataException($"Fixture case {c.GetProperty("name")} has unknown dtype '{other}'."),
    };

    /// <summary>The comparison tolerance the issue sets: 1e-5 for float32, 1e-10 for float64.</summary>
    public static double Tolerance(JsonElement c) => DType(c) == ScalarType.Float32 ? 1e-5 : 1e-10;

    public static long[] Shape(JsonElement c) =>
        c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>An input tensor of the case's dtype and shape, a leaf that requires grad when asked.</summary>
    public static Tensor Input(JsonElement c, string key, bool requiresGrad = false)
    {
        var values = c.GetProperty(key);
        var shape = Shape(c);
        return DType(c) == ScalarType.Float32
            ? tensor(values.EnumerateArray().Select(e => e.GetSingle()).ToArray(), shape, requires_grad: requiresGrad)
            : tensor(values.EnumerateArray().Select(e => e.GetDouble()).ToArray(), shape, requires_grad: requiresGrad);
    }

    public static double Number(JsonElement c, string key) => c.GetProperty(key).GetDouble();

    public static double[] Numbers(JsonElement c, string key) =>
        c.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
