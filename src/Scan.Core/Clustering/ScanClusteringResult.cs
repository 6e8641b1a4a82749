using Scan.Core.Training;

namespace Scan.Core.Clustering;

/// <summary>What the SCAN stage produced besides the trained model.</summary>
/// <param name="History">Epoch records; metrics "loss" (sum over heads), "consistency", "entropy" (means over heads).</param>
/// <param name="HeadLosses">Per head, its total SCAN loss over the whole dataset after training (un-augmented images, all neighbours).</param>
/// <param name="SelectedHead">The head with the lowest total loss, now the model's <c>SelectedHead</c>.</param>
public sealed record ScanClusteringResult(IReadOnlyList<EpochRecord> History, IReadOnlyList<HeadLoss> HeadLosses, int SelectedHead);

/// <summary>One head's SCAN loss over the dataset.</summary>
/// <param name="Head">Head index.</param>
/// <param name="Total">Consistency - λ·entropy.</param>
/// <param name="Consistency">Mean -log&lt;p(x), p(neighbour)&gt; over all anchor-neighbour pairs.</param>
/// <param name="Entropy">Entropy of the mean cluster distribution.</param>
public sealed record HeadLoss(int Head, double Total, double Consistency, double Entropy);
