namespace Scan.Core.Data;

/// <summary>
/// How far a long pass over a dataset's images has got, reported through <see cref="IProgress{T}"/>: decoding an
/// image folder (<see cref="ImageFolderDataset.Load(string, ImageFolderOptions, IProgress{ImageProgress})"/>),
/// embedding images (<see cref="Mining.FeatureExtractor.Embed"/>, after every batch) or searching their neighbours
/// (<see cref="Mining.NeighborMiner.MineAsync"/>, after every chunk of anchors). Training stages report
/// <see cref="Training.ScanProgress"/> instead, with epochs and steps.
/// </summary>
/// <param name="Completed">Images done so far: decoded (or found undecodable), embedded, or whose neighbours are known.</param>
/// <param name="Total">Images in all.</param>
public readonly record struct ImageProgress(int Completed, int Total)
{
    /// <summary>Share done, in [0, 1].</summary>
    public double Fraction => Total <= 0 ? 1 : (double)Completed / Total;
}
