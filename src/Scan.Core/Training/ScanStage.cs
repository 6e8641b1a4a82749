namespace Scan.Core.Training;

/// <summary>The stages of SCAN, in the order they run.</summary>
public enum ScanStage
{
    /// <summary>Self-supervised pretext training of the backbone (SimCLR).</summary>
    Pretext,

    /// <summary>Embedding every image and mining its nearest neighbours.</summary>
    Mining,

    /// <summary>Training the cluster heads with the SCAN loss.</summary>
    Clustering,

    /// <summary>Fine-tuning on confident pseudo-labels.</summary>
    SelfLabeling,

    /// <summary>Predicting and scoring the final assignments.</summary>
    Evaluation,
}
