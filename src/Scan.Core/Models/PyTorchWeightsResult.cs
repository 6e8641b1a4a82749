namespace Scan.Core.Models;

/// <summary>
/// What <see cref="PyTorchWeights"/> did with a state dict: the model's names that were loaded, and the keys that
/// were not (the same lists <c>load_state_dict</c> returns in PyTorch, plus what the options set aside).
/// </summary>
public sealed record PyTorchWeightsResult
{
    /// <summary>The file that was read.</summary>
    public required string Path { get; init; }

    /// <summary>Model names (parameters and buffers) that received a tensor from the file.</summary>
    public required IReadOnlyList<string> LoadedKeys { get; init; }

    /// <summary>Model names with no tensor in the file; they keep their values. Always empty in strict mode.</summary>
    public required IReadOnlyList<string> MissingKeys { get; init; }

    /// <summary>Model names (after prefix removal and renaming) the file has but the model does not. Always empty in strict mode.</summary>
    public required IReadOnlyList<string> UnexpectedKeys { get; init; }

    /// <summary>
    /// Keys of the file, as written there, left out by <see cref="PyTorchWeightsOptions.KeyPrefix"/> or
    /// <see cref="PyTorchWeightsOptions.SkipPrefixes"/>.
    /// </summary>
    public required IReadOnlyList<string> IgnoredKeys { get; init; }
}
