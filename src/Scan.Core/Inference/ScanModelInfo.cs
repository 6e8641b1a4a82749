using Scan.Core.Models;

namespace Scan.Core.Inference;

/// <summary>What a saved <see cref="ScanModel"/> needs to rebuild itself and to prepare images.</summary>
public sealed record ScanModelInfo
{
    /// <summary>Input channels.</summary>
    public required int Channels { get; init; }

    /// <summary>Input height the model was trained on.</summary>
    public required int Height { get; init; }

    /// <summary>Input width the model was trained on.</summary>
    public required int Width { get; init; }

    /// <summary>Normalisation mean per channel.</summary>
    public required float[] Mean { get; init; }

    /// <summary>Normalisation standard deviation per channel.</summary>
    public required float[] Std { get; init; }

    /// <summary>The backbone's architecture.</summary>
    public required BackboneOptions Backbone { get; init; }

    /// <summary>Clusters per head.</summary>
    public required int Clusters { get; init; }

    /// <summary>Heads in the model.</summary>
    public required int Heads { get; init; }

    /// <summary>The head used for predictions.</summary>
    public required int SelectedHead { get; init; }

    /// <summary>Name of each cluster's matched ground-truth class, when it was evaluated against labels.</summary>
    public IReadOnlyList<string>? ClusterNames { get; init; }
}
