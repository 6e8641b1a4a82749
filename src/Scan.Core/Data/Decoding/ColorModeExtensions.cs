namespace Scan.Core.Data;

/// <summary>Channel counts of <see cref="ColorMode"/> values.</summary>
internal static class ColorModeExtensions
{
    /// <summary>Number of channels an image decoded in <paramref name="mode"/> has: 3 for RGB, 1 for grayscale.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static int Channels(this ColorMode mode) => mode switch
    {
        ColorMode.Rgb => 3,
        ColorMode.Grayscale => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected ColorMode.Rgb or ColorMode.Grayscale."),
    };
}
