namespace Scan.Core.Evaluation;

/// <summary>Argument checks shared by the evaluation entry points, with messages that name the bad value.</summary>
internal static class EvaluationArguments
{
    /// <summary>Throws unless <paramref name="values"/> is non-null and non-empty.</summary>
    public static void RequireNonEmpty<T>(IReadOnlyList<T>? values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count == 0)
            throw new ArgumentException($"{name} is empty; at least one sample is needed.", name);
    }

    /// <summary>Throws unless both per-sample lists have the same length.</summary>
    public static void RequireSameLength<TA, TB>(IReadOnlyList<TA> first, string firstName, IReadOnlyList<TB> second, string secondName)
    {
        if (first.Count != second.Count)
        {
            throw new ArgumentException(
                $"{firstName} has {first.Count} entries but {secondName} has {second.Count}; both must hold one entry per sample.",
                secondName);
        }
    }

    /// <summary>
    /// Checks every id is non-negative and, when <paramref name="declaredCount"/> is given, below it; returns the
    /// number of ids (the declared count, or the largest id + 1).
    /// </summary>
    public static int CountIds(IReadOnlyList<int> ids, string name, int? declaredCount, string countName)
    {
        if (declaredCount is < 1)
        {
            throw new ArgumentOutOfRangeException(
                countName, declaredCount, $"{countName} must be at least 1 (or null to use the largest id in {name} + 1).");
        }

        int largest = -1;
        for (int i = 0; i < ids.Count; i++)
        {
            int id = ids[i];
            if (id < 0)
                throw new ArgumentOutOfRangeException(name, id, $"{name}[{i}] is {id}; ids must be non-negative.");
            if (id >= declaredCount)
            {
                throw new ArgumentOutOfRangeException(
                    name, id, $"{name}[{i}] is {id}; with {countName} = {declaredCount} ids must be below {declaredCount}.");
            }
            largest = Math.Max(largest, id);
        }
        return declaredCount ?? largest + 1;
    }
}
