using System.Globalization;
using System.Text.RegularExpressions;

namespace Scan.Cli;

/// <summary>Durations as people type them: "90s", "10m", "1h30m", "2.5m", or a TimeSpan such as "00:05:00".</summary>
internal static partial class Duration
{
    [GeneratedRegex(@"^(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m)?(?:(?<s>\d+(?:\.\d+)?)s)?$")]
    private static partial Regex Units();

    /// <summary>The duration, or null when <paramref name="text"/> is not one.</summary>
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (text.Contains(':'))
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        var match = Units().Match(text);
        if (text.Length == 0 || !match.Success)
            return null;
        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
    }

    /// <summary>"2 min 30 s", "45 s": for messages.</summary>
    public static string Describe(TimeSpan value) => value.TotalSeconds < 90
        ? $"{value.TotalSeconds:0} s"
        : $"{(int)value.TotalMinutes} min{(value.Seconds > 0 ? $" {value.Seconds} s" : "")}";
}
