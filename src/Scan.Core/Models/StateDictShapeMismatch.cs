namespace Scan.Core.Models;

/// <summary>A parameter or buffer whose tensor in a state dict has another shape than the model's.</summary>
/// <param name="Key">The model's name for it, e.g. <c>conv1.weight</c>.</param>
/// <param name="Expected">The model's shape.</param>
/// <param name="Found">The shape in the file.</param>
internal sealed record StateDictShapeMismatch(string Key, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <summary><c>conv1.weight: expected (16, 3, 3, 3), found (16, 1, 3, 3)</c>.</summary>
    public override string ToString() => $"{Key}: expected {Format(Expected)}, found {Format(Found)}";

    internal static string Format(IReadOnlyList<long> shape) => $"({string.Join(", ", shape)})";
}
