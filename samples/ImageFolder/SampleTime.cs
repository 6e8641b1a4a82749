using System.Globalization;

namespace Scan.Samples.ImageFolder;

/// <summary>Parses a duration as people type it: "90s", "5m", "1h30m", or a TimeSpan such as "00:05:00".</summary>
internal static class SampleTime
{
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':'))
            return span;
        var total = TimeSpan.Zero;
        int start = 0;
        bool any = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsDigit(text[i]) || text[i] == '.')
                continue;
            if (!double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                return null;
            total += text[i] switch
            {
                'h' => TimeSpan.FromHours(value),
                'm' => TimeSpan.FromMinutes(value),
                's' => TimeSpan.FromSeconds(value),
                _ => TimeSpan.MinValue,
            };
            if (total < TimeSpan.Zero)
                return null;
            start = i + 1;
            any = true;
        }
        return any && start == text.Length ? total : null;
    }
}
