using System.Text;

namespace Scan.Core.Models;

/// <summary>
/// A PyTorch state dict does not fit the model it was loaded into: names the model has and the file lacks
/// (missing), names the file has and the model lacks (unexpected, strict mode only), and tensors of another shape.
/// Nothing was loaded; the model keeps its values. The message lists the differences and, when it can tell, the
/// <see cref="PyTorchWeightsOptions"/> setting that would make the names match.
/// </summary>
public sealed class StateDictMismatchException : Exception
{
    private const int ListedPerKind = 20;

    internal StateDictMismatchException(string path, string modelName, IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys, IReadOnlyList<StateDictShapeMismatch> shapeMismatches, string? hint)
        : base(BuildMessage(path, modelName, missingKeys, unexpectedKeys, shapeMismatches, hint))
    {
        Path = path;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>The state dict file.</summary>
    public string Path { get; }

    /// <summary>Model names with no tensor in the file (reported in strict mode).</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Names in the file (after prefix removal and renaming) the model does not have (reported in strict mode).</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Names present in both with different shapes; the message lists them with both shapes.</summary>
    internal IReadOnlyList<StateDictShapeMismatch> ShapeMismatches { get; }

    private static string BuildMessage(string path, string modelName, IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected, IReadOnlyList<StateDictShapeMismatch> shapes, string? hint)
    {
        var text = new StringBuilder();
        text.Append($"PyTorch state dict '{path}' does not match {modelName}: {missing.Count} missing key(s), ")
            .Append($"{unexpected.Count} unexpected key(s), {shapes.Count} shape mismatch(es). Nothing was loaded.");
        AppendList(text, "Missing (in the model, not in the file)", missing);
        AppendList(text, "Unexpected (in the file, not in the model)", unexpected);
        AppendList(text, "Shape mismatches", shapes.Select(s => s.ToString()).ToList());
        if (hint is not null)
            text.AppendLine().Append(hint);
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
            return;
        text.AppendLine().Append(title).Append(':');
        foreach (var item in items.Take(ListedPerKind))
            text.AppendLine().Append("  ").Append(item);
        if (items.Count > ListedPerKind)
            text.AppendLine().Append($"  ... and {items.Count - ListedPerKind} more");
    }
}
