namespace Scan.Core.Data;

/// <summary>Argument and content checks shared by the datasets, so every dataset words its errors the same way.</summary>
internal static class DatasetChecks
{
    /// <summary>Throws unless every index is in [0, <paramref name="count"/>).</summary>
    public static void CheckIndices(ReadOnlySpan<int> indices, int count, string parameterName = "indices")
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)count)
                throw new ArgumentOutOfRangeException(parameterName, indices[i],
                    $"{parameterName}[{i}] = {indices[i]} is outside the dataset's {count} images; expected 0 to {count - 1}.");
        }
    }

    /// <summary>
    /// Copies caller-supplied labels and class names after checking them: one label per image, none negative, each
    /// below the number of class names when names are given.
    /// </summary>
    public static (int[]? Labels, string[]? ClassNames) CopyLabels(IReadOnlyList<int>? labels, IReadOnlyList<string>? classNames, int count)
    {
        string[]? names = classNames?.ToArray();
        if (names is not null && Array.FindIndex(names, n => n is null) is var nullAt and >= 0)
            throw new ArgumentException($"classNames[{nullAt}] is null; expected a name for every class.", nameof(classNames));
        if (labels is null)
            return (null, names);
        if (labels.Count != count)
            throw new ArgumentException($"Got {labels.Count} labels for {count} images; expected one label per image.", nameof(labels));
        var copy = labels.ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] < 0 || (names is not null && copy[i] >= names.Length))
                throw new ArgumentOutOfRangeException(nameof(labels), copy[i],
                    $"labels[{i}] = {copy[i]}; expected " + (names is null ? "a label of 0 or more." : $"0 to {names.Length - 1} for {names.Length} class names."));
        }

        return (copy, names);
    }

    /// <summary>Shape text for messages, e.g. "(10, 1, 28, 28)".</summary>
    public static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
