namespace Scan.Core.Pipeline.Health;

/// <summary>What a <see cref="HealthCheck"/> looks at. Every check needs no labels: it judges a stage by what a
/// user without ground truth can see.</summary>
public enum HealthCheckKind
{
    /// <summary>Pretext: the SimCLR loss fell from its first to its last epoch by at least a share of the first.</summary>
    PretextLossReduction = 0,

    /// <summary>Mining: an augmented view of an image finds, as its nearest neighbour among the clean embeddings, the
    /// image itself or one of its mined neighbours. A backbone that learnt nothing finds neither.</summary>
    NeighborAgreement = 1,

    /// <summary>Clustering: the smallest cluster of the kept head, against an even share N / K.</summary>
    ClusterSizes = 2,

    /// <summary>Clustering: the entropy of the cluster sizes against its maximum, ln K.</summary>
    ClusterSizeEntropy = 3,

    /// <summary>Self-labelling: how many images pass the confidence threshold before the stage trains.</summary>
    ConfidentSamples = 4,

    /// <summary>Evaluation: the SCAN partition against k-means on the same pretext features, by how often mined
    /// neighbours share a cluster (higher is better) among partitions without an empty cluster.</summary>
    KMeansComparison = 5,

    /// <summary>Self-labelling: the cluster-size entropy after the stage against before it.</summary>
    SelfLabelingSpread = 6,
}

/// <summary>How a check came out.</summary>
public enum HealthStatus
{
    /// <summary>Within bounds.</summary>
    Passed = 0,

    /// <summary>Outside the bounds a sound run stays in, but the result is still usable; read the message.</summary>
    Warning = 1,

    /// <summary>The stage did not do its job (a degenerate partition, a collapsed backbone); read the remedy.</summary>
    Failed = 2,
}

/// <summary>One label-free check made at a stage boundary: its figure, the bound it was held to, the outcome and,
/// when the pipeline acted on it, what it did.</summary>
/// <param name="Kind">What was checked.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Value">The measured figure (its unit depends on <paramref name="Kind"/>; see the message).</param>
/// <param name="Threshold">The bound the figure was held to.</param>
/// <param name="Message">One sentence a user can act on.</param>
/// <param name="Remedy">What the pipeline did about it (null when nothing was needed or possible).</param>
public sealed record HealthCheck(HealthCheckKind Kind, HealthStatus Status, double Value, double Threshold,
    string Message, string? Remedy = null)
{
    /// <summary>True when <see cref="Status"/> is not <see cref="HealthStatus.Passed"/>.</summary>
    public bool Fired => Status != HealthStatus.Passed;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind}: {Status} ({Value.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} vs " +
        $"{Threshold.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}) {Message}" +
        (Remedy is null ? "" : $" Remedy: {Remedy}");
}
