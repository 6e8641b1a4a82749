namespace Scan.Augment.Internal;

/// <summary>Argument checks shared by the ops and recipes; every message names the argument, the value and what was expected.</summary>
internal static class Guard
{
    internal static void Probability(double value, string paramName)
    {
        // Written as !(in range) so that NaN is rejected too.
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be a probability in [0, 1], got {value}.");
    }

    internal static void InRange(double value, double min, double max, string paramName)
    {
        if (!(value >= min && value <= max))
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be in [{min}, {max}], got {value}.");
    }

    internal static void NonNegativeFinite(double value, string paramName)
    {
        if (!(value >= 0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be a finite number >= 0, got {value}.");
    }

    internal static void Positive(int value, string paramName)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be >= 1, got {value}.");
    }

    /// <summary>Checks an interval [low, high] lying inside [min, max].</summary>
    internal static void Interval(double low, double high, double min, double max, string lowName, string highName)
    {
        InRange(low, min, max, lowName);
        InRange(high, min, max, highName);
        if (low > high)
            throw new ArgumentException($"{lowName} ({low}) must not exceed {highName} ({high}).", lowName);
    }
}
