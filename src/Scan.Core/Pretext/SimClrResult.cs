using Scan.Core.Training;

namespace Scan.Core.Pretext;

/// <summary>What the SimCLR stage produced besides the trained model: one record per epoch ("loss", "lr").</summary>
/// <param name="History">Epochs in order, including those completed before a resume.</param>
public sealed record SimClrResult(IReadOnlyList<EpochRecord> History);
