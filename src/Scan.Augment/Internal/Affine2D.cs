namespace Scan.Augment.Internal;

/// <summary>
/// A 2-D affine map in centred pixel coordinates (origin at the image centre, x right, y down, one unit per pixel),
/// taking an output pixel to the input position it samples: x_in = A x + B y + C, y_in = D x + E y + F.
/// Centred pixel units make the maps of chained ops compose whatever sizes they produce.
/// </summary>
internal readonly record struct Affine2D(double A, double B, double C, double D, double E, double F)
{
    internal static Affine2D Identity { get; } = new(1, 0, 0, 0, 1, 0);

    /// <summary>Scales output coordinates to input coordinates: the map of a plain resize.</summary>
    internal static Affine2D Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);

    /// <summary>Samples the input shifted by (dx, dy): content moves by (+dx, +dy) in the output.</summary>
    internal static Affine2D Translation(double dx, double dy) => new(1, 0, -dx, 0, 1, -dy);

    /// <summary>
    /// The map of applying <paramref name="first"/>'s op, then <paramref name="second"/>'s: an output pixel of the
    /// second op samples the first op's output, which samples the input, so the maps compose as first ∘ second.
    /// </summary>
    internal static Affine2D Chain(Affine2D first, Affine2D second) => new(
        first.A * second.A + first.B * second.D,
        first.A * second.B + first.B * second.E,
        first.A * second.C + first.B * second.F + first.C,
        first.D * second.A + first.E * second.D,
        first.D * second.B + first.E * second.E,
        first.D * second.C + first.E * second.F + first.F);
}
