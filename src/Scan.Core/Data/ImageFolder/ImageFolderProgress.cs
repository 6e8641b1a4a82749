namespace Scan.Core.Data;

/// <summary>How far <see cref="ImageFolderDataset.Load(string, ImageFolderOptions, IProgress{ImageFolderProgress})"/> has got.</summary>
/// <param name="Decoded">Files decoded (or found undecodable) so far.</param>
/// <param name="Total">Image files in the folder.</param>
public sealed record ImageFolderProgress(int Decoded, int Total)
{
    /// <summary>Share done, in [0, 1].</summary>
    public double Fraction => Total == 0 ? 1 : (double)Decoded / Total;
}
