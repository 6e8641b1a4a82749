using Scan.Core.Training;

namespace Scan.Core.SelfLabeling;

/// <summary>What the self-labelling stage produced besides the fine-tuned model.</summary>
/// <param name="History">Epoch records: "loss" and "confident" (mean confident samples per batch); an epoch in
/// which no sample passed the threshold has loss 0 and confident 0 and training continued.</param>
/// <param name="ConfidentPerEpoch">Confident samples counted over each whole epoch.</param>
public sealed record SelfLabelingResult(IReadOnlyList<EpochRecord> History, IReadOnlyList<int> ConfidentPerEpoch);
