using System.ComponentModel.DataAnnotations;
using Scan.Augment;
using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>Settings of <see cref="FeatureExtractor.Embed"/>.</summary>
public sealed record FeatureExtractorOptions
{
    /// <summary>Images per forward pass; at least 1. 256 keeps a small CPU backbone's activations well under 1 GB.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "BatchSize must be at least 1.")]
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Applied to every batch before the encoder: the evaluation recipe, which for SCAN's mining step is only the
    /// normalisation (no random augmentation). Null for none.
    /// </summary>
    public IAugmentation? Preprocessing { get; init; }

    /// <summary>Seed of the generator given to <see cref="Preprocessing"/>, so that a random transform, if any,
    /// gives the same features on every run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Where the encoder runs; null (default) for the CPU. The encoder's weights must be there already.</summary>
    public Device? Device { get; init; }
}
