using Scan.Core.Models;

namespace Scan.Core.Inference;

/// <summary>What a saved <see cref="ScanModel"/> needs to rebuild itself and to prepare images.</summary>
public sealed record ScanModelInfo
{
    /// <summary>
    /// The largest input height or width a model may have: 2,048 pixels, so a model file cannot make
    /// <see cref="ScanModel.PredictFiles"/> decode more than 2,048 x 2,048 pixels per image (48 MiB of float32 RGB).
    /// A description declaring more is refused by <see cref="ScanModel.Load(string, TorchSharp.torch.Device?)"/> and by the
    /// <see cref="ScanModel"/> constructor.
    /// </summary>
    public const int MaxInputSide = 2048;

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

    /// <summary>
    /// The backbone's architecture, or null when <see cref="BackboneOptions.Describe"/> cannot describe it (a
    /// <see cref="Models.Backbone"/> of your own): such a model loads with
    /// <see cref="ScanModel.Load(string, Func{ScanModelInfo, Models.Backbone}, TorchSharp.torch.Device?)"/>.
    /// </summary>
    public required BackboneOptions? Backbone { get; init; }

    /// <summary>Clusters per head.</summary>
    public required int Clusters { get; init; }

    /// <summary>Heads in the model.</summary>
    public required int Heads { get; init; }

    /// <summary>The head used for predictions.</summary>
    public required int SelectedHead { get; init; }

    /// <summary>Principal components of the standardised pixels the heads read besides the backbone's features
    /// (<see cref="ClusteringModel.PixelComponents"/>); 0 for none, and in files of format version 1.</summary>
    public int PixelComponents { get; init; }

    /// <summary>
    /// Name of each cluster, in cluster order, or null: set by <see cref="ScanModel.SetClusterNames"/>, or by a pipeline
    /// run on labelled data (each cluster's matched ground-truth class).
    /// </summary>
    public IReadOnlyList<string>? ClusterNames { get; init; }

    /// <summary>
    /// Checks a description read from a file before a network is built from it: every field in range, and the
    /// network small enough to fit the weights the file holds, so a damaged description can neither fail deep
    /// inside TorchSharp nor allocate a network of gigabytes.
    /// </summary>
    /// <param name="path">The file, for the message.</param>
    /// <param name="weightBytes">Bytes of the file left for the network's state dict.</param>
    /// <exception cref="InvalidDataException">A field is out of range; the message names the file, the field and the value.</exception>
    internal void ThrowIfInvalid(string path, long weightBytes)
    {
        string? problem =
            Channels < 1 ? $"channels {Channels}, expected at least 1" :
            Height < 1 || Width < 1 || Height > MaxInputSide || Width > MaxInputSide
                ? $"an input size of {Height}x{Width}, expected 1x1 to {MaxInputSide}x{MaxInputSide} (ScanModelInfo.MaxInputSide)" :
            Mean is null || Mean.Length != Channels || Mean.Any(m => !float.IsFinite(m)) ? $"mean [{Join(Mean)}], expected {Channels} finite value(s)" :
            Std is null || Std.Length != Channels || Std.Any(v => !(v > 0) || !float.IsFinite(v)) ? $"std [{Join(Std)}], expected {Channels} finite value(s) > 0" :
            Clusters < 2 ? $"{Clusters} cluster(s), expected at least 2" :
            Heads < 1 ? $"{Heads} head(s), expected at least 1" :
            SelectedHead < 0 || SelectedHead >= Heads ? $"selected head {SelectedHead}, expected 0 to {Heads - 1}" :
            PixelComponents < 0 || PixelComponents > ClusteringModel.MaxPixelComponents || PixelComponents > (long)Channels * Height * Width
                ? $"{PixelComponents} pixel components, expected 0 to {Math.Min(ClusteringModel.MaxPixelComponents, (long)Channels * Height * Width)}" :
            Backbone is null ? null :
            !Enum.IsDefined(Backbone.Architecture) ? $"backbone architecture {(int)Backbone.Architecture}" :
            Backbone.Stem is { } stem && !Enum.IsDefined(stem) ? $"backbone stem {(int)stem}" :
            Training.OptionsValidation.Failures(Backbone) is { Count: > 0 } failures ? string.Join(" ", failures) :
            null;
        if (problem is null && Backbone is not null)
        {
            // Lower bound of the weights: the heads (8·width features to each cluster), one 3x3 convolution of the
            // last stage (8·width channels in and out) and the stem's convolution (at least 3x3 from every input
            // channel to width channels), 4 bytes each.
            long width = Backbone.Width, floats = (long)Heads * Clusters * 8 * width + 576 * width * width + 9L * Channels * width;
            if (4 * floats > weightBytes)
                problem = $"a network of at least {4 * floats} bytes of weights ({Heads} head(s) of {Clusters} clusters on a width-{width} backbone with {Channels} input channel(s)), but the file holds {weightBytes}";
        }

        if (problem is null && ClusterNames is { } names && (names.Count != Clusters || names.Any(string.IsNullOrWhiteSpace)))
            problem = $"{names.Count} cluster name(s){(names.Any(string.IsNullOrWhiteSpace) ? ", some blank," : "")} for {Clusters} clusters, expected one non-blank name each";

        if (problem is not null)
            throw new InvalidDataException($"Scan.NET model '{path}' has a damaged model description: it declares {problem}.");

        static string Join(float[]? values) => values is null ? "" : string.Join(", ", values);
    }
}
