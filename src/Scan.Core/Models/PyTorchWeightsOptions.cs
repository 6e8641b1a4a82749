namespace Scan.Core.Models;

/// <summary>
/// How the keys of a PyTorch state dict are matched to a model's parameter and buffer names when loading it with
/// <see cref="PyTorchWeights"/>. Each key of the file goes through <see cref="KeyPrefix"/>, then
/// <see cref="SkipPrefixes"/>, then <see cref="RenameKey"/>, and is then looked up in the model's <c>state_dict()</c>.
/// </summary>
/// <example>
/// <code>
/// // The backbone of a SCAN authors' checkpoint (keys backbone.*, cluster_head.*):
/// backbone.LoadPyTorchWeights("scan_model.pth", new PyTorchWeightsOptions { KeyPrefix = "backbone." });
/// // A checkpoint saved from nn.DataParallel (keys module.backbone.*):
/// backbone.LoadPyTorchWeights("checkpoint.pth", new PyTorchWeightsOptions { KeyPrefix = "module.backbone." });
/// </code>
/// </example>
public sealed class PyTorchWeightsOptions
{
    /// <summary>
    /// Only the file's keys that start with this prefix are loaded, with the prefix removed; the others belong to
    /// other parts of the saved model and are ignored (listed in <see cref="PyTorchWeightsResult.IgnoredKeys"/>).
    /// <c>"backbone."</c> loads the backbone of a SCAN <see cref="ContrastiveModel"/> or <see cref="ClusteringModel"/>
    /// checkpoint into a <see cref="Backbone"/>. Empty (the default): every key, as it is.
    /// </summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Keys (after <see cref="KeyPrefix"/> is removed) starting with one of these are ignored. The default,
    /// <c>fc.</c>, is the classifier of torchvision's ResNets, which a <see cref="Backbone"/> does not have.
    /// </summary>
    public IList<string> SkipPrefixes { get; set; } = new List<string> { "fc." };

    /// <summary>
    /// Maps a key (after <see cref="KeyPrefix"/> and <see cref="SkipPrefixes"/>) to the model's name for it, for
    /// files whose names differ in a regular way: the SCAN authors' CIFAR ResNet calls torchvision's
    /// <c>downsample</c> <c>shortcut</c>, so <c>k =&gt; k.Replace(".shortcut.", ".downsample.")</c>. Returning null
    /// ignores the key. Null (the default): names are used as they are.
    /// </summary>
    public Func<string, string?>? RenameKey { get; set; }

    /// <summary>
    /// True (the default), as PyTorch's <c>load_state_dict(strict=True)</c>: every parameter and buffer of the model
    /// must be in the file and every key of the file (after prefix and skips) must be in the model, else nothing is
    /// loaded and a <see cref="StateDictMismatchException"/> lists the differences. False: the keys both have are
    /// loaded and the others are reported in the <see cref="PyTorchWeightsResult"/>. Shape mismatches are an error in
    /// both modes, as in PyTorch.
    /// </summary>
    public bool Strict { get; set; } = true;

    internal PyTorchWeightsOptions Clone() => new()
    {
        KeyPrefix = KeyPrefix,
        SkipPrefixes = SkipPrefixes.ToList(),
        RenameKey = RenameKey,
        Strict = Strict,
    };
}
