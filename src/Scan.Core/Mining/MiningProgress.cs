namespace Scan.Core.Mining;

/// <summary>
/// Progress of a long mining step, reported through <see cref="IProgress{T}"/> after every batch (embedding) or
/// chunk of anchors (neighbour search).
/// </summary>
/// <param name="Completed">Rows finished so far: images embedded, or anchors whose neighbours are known.</param>
/// <param name="Total">Rows in all.</param>
public readonly record struct MiningProgress(int Completed, int Total)
{
    /// <summary>Fraction done, in [0, 1].</summary>
    public double Fraction => Total <= 0 ? 1 : (double)Completed / Total;
}
