using Scan.Core.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Models;

/// <summary>
/// Loads weights saved by PyTorch (<c>torch.save(model.state_dict(), path)</c>, a <c>.pt</c>/<c>.pth</c> file) into
/// Scan.NET's models. Our parameter and buffer names are PyTorch's: a <see cref="ResNetBackbone"/> is named as
/// torchvision's ResNet (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>, ...), a <see cref="ContrastiveModel"/>
/// and a <see cref="ClusteringModel"/> as the SCAN authors' models (<c>backbone.*</c>, <c>contrastive_head.{0,2}.*</c>,
/// <c>cluster_head.{i}.*</c>), so weights load when the architectures match. A checkpoint dictionary that wraps the
/// state dict under <c>'model'</c> (the SCAN authors' <c>scan_model.pth.tar</c>) or <c>'state_dict'</c> is unwrapped.
/// The file is read with TorchSharp.PyBridge.
/// </summary>
/// <remarks>
/// A weight file is treated as untrusted: every size it declares is checked against what the file can hold and
/// against <see cref="MaxEntryBytes"/>, <see cref="MaxPickleBytes"/> and <see cref="MaxStateDictBytes"/> before
/// anything of that size is inflated or allocated, so a crafted file (a zip bomb, or a pickle declaring a 2 GiB
/// string) fails with <see cref="InvalidDataException"/> instead of running for minutes or allocating gigabytes.
/// Every key is checked before anything is copied, so a load that throws leaves the model unchanged. Tensors are
/// copied into the model's own parameters and buffers (on whatever device the model is), converting the element
/// type if it differs, as PyTorch's <c>load_state_dict</c> does. BatchNorm running statistics are buffers and are
/// loaded too. Only PyTorch's zip format (PyTorch 1.6 and later, the default since) is read.
/// </remarks>
/// <example>
/// <code>
/// // Python: torch.save(resnet.state_dict(), "resnet18.pth")  (torchvision; its fc.* classifier is skipped)
/// using var backbone = ResNetBackbone.ResNet18(ResNetStem.ImageNet, inputChannels: 3);
/// backbone.LoadPyTorchWeights("resnet18.pth");
///
/// // A SCAN clustering checkpoint, whole or only its backbone:
/// using var model = new ClusteringModel(ResNetBackbone.ResNet18(ResNetStem.Cifar, 3), clusters: 10);
/// model.LoadPyTorchWeights("scan_model.pth.tar");
/// using var cifar = ResNetBackbone.ResNet18(ResNetStem.Cifar, 3);
/// cifar.LoadPyTorchWeights("scan_model.pth.tar", new PyTorchWeightsOptions { KeyPrefix = "backbone." });
/// </code>
/// </example>
public static class PyTorchWeights
{
    /// <summary>
    /// The most bytes one archive entry of a state dict (one tensor's storage) may declare: 1 GiB. A file whose entry
    /// declares more is refused with <see cref="InvalidDataException"/> before anything is inflated, as is an entry
    /// declaring more than deflate can expand its compressed bytes to (1032:1).
    /// </summary>
    public const long MaxEntryBytes = 1L << 30;

    /// <summary>The most bytes the state dict's pickle (<c>data.pkl</c>, about 100 bytes per tensor) may declare: 64 MiB.</summary>
    public const long MaxPickleBytes = 64L << 20;

    /// <summary>The most bytes all archive entries of a state dict may declare together: 4 GiB.</summary>
    public const long MaxStateDictBytes = 4L << 30;

    /// <summary>Loads a PyTorch state dict into a backbone (e.g. a torchvision ResNet's weights).</summary>
    /// <param name="backbone">The backbone to fill; its architecture must match the file's.</param>
    /// <param name="path">A file written by <c>torch.save(model.state_dict(), path)</c>.</param>
    /// <param name="options">Key prefix, skipped keys, renaming and strictness; null: the defaults (strict, <c>fc.*</c> skipped).</param>
    /// <returns>What was loaded and what was not.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, truncated or not a PyTorch state dict; the message names it.</exception>
    /// <exception cref="StateDictMismatchException">The names or shapes do not match (see <see cref="PyTorchWeightsOptions.Strict"/>); nothing was loaded.</exception>
    public static PyTorchWeightsResult LoadPyTorchWeights(this Backbone backbone, string path, PyTorchWeightsOptions? options = null) =>
        Load(backbone, path, options);

    /// <summary>Loads a PyTorch state dict into a SimCLR model (keys <c>backbone.*</c> and <c>contrastive_head.{0,2}.*</c>).</summary>
    /// <param name="model">The model to fill.</param>
    /// <param name="path">A file written by <c>torch.save(model.state_dict(), path)</c>, or a checkpoint dictionary holding it under <c>'model'</c>.</param>
    /// <param name="options">Key prefix, skipped keys, renaming and strictness; null: the defaults.</param>
    /// <returns>What was loaded and what was not.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, truncated or not a PyTorch state dict; the message names it.</exception>
    /// <exception cref="StateDictMismatchException">The names or shapes do not match; nothing was loaded.</exception>
    public static PyTorchWeightsResult LoadPyTorchWeights(this ContrastiveModel model, string path, PyTorchWeightsOptions? options = null) =>
        Load(model, path, options);

    /// <summary>Loads a PyTorch state dict into a clustering model (keys <c>backbone.*</c> and <c>cluster_head.{i}.*</c>).</summary>
    /// <param name="model">The model to fill; it needs as many heads as the file has.</param>
    /// <param name="path">A file written by <c>torch.save(model.state_dict(), path)</c>, or a checkpoint dictionary holding it under <c>'model'</c>.</param>
    /// <param name="options">Key prefix, skipped keys, renaming and strictness; null: the defaults.</param>
    /// <returns>What was loaded and what was not.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, truncated or not a PyTorch state dict; the message names it.</exception>
    /// <exception cref="StateDictMismatchException">The names or shapes do not match; nothing was loaded.</exception>
    public static PyTorchWeightsResult LoadPyTorchWeights(this ClusteringModel model, string path, PyTorchWeightsOptions? options = null) =>
        Load(model, path, options);

    internal static PyTorchWeightsResult Load(nn.Module model, string path, PyTorchWeightsOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PyTorchWeightsOptions();
        ArgumentNullException.ThrowIfNull(options.KeyPrefix, nameof(options));
        ArgumentNullException.ThrowIfNull(options.SkipPrefixes, nameof(options));

        using var scope = NewDisposeScope();
        var file = PyTorchStateDictFile.Read(path);
        var target = model.state_dict();

        // File key → model name, through prefix, skips and renaming.
        var ignored = new List<string>();
        var found = new Dictionary<string, (string FileKey, Tensor Tensor)>(StringComparer.Ordinal);
        foreach (var fileKey in file.Keys.Order(StringComparer.Ordinal))
        {
            var key = fileKey.StartsWith(options.KeyPrefix, StringComparison.Ordinal) ? fileKey[options.KeyPrefix.Length..] : null;
            if (key is null || options.SkipPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
            {
                ignored.Add(fileKey);
                continue;
            }
            var name = options.RenameKey is null ? key : options.RenameKey(key);
            if (name is null)
            {
                ignored.Add(fileKey);
                continue;
            }
            if (found.TryGetValue(name, out var other))
                throw new ArgumentException($"RenameKey maps both '{other.FileKey}' and '{fileKey}' of '{path}' to '{name}'.", nameof(options));
            found[name] = (fileKey, file[fileKey]);
        }

        var missing = target.Keys.Where(k => !found.ContainsKey(k)).ToList();
        var unexpected = found.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var shapes = target
            .Where(t => found.TryGetValue(t.Key, out var f) && !f.Tensor.shape.SequenceEqual(t.Value.shape))
            .Select(t => new StateDictShapeMismatch(t.Key, t.Value.shape, found[t.Key].Tensor.shape))
            .ToList();
        var loaded = target.Keys.Where(found.ContainsKey).ToList();

        if (shapes.Count > 0 || loaded.Count == 0 || (options.Strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            throw new StateDictMismatchException(path, model.GetName(), missing, unexpected, shapes,
                Hint(file.Keys, target.Keys, missing, unexpected, shapes.Count > 0, options));
        }

        using (no_grad())
        {
            foreach (var key in loaded)
                target[key].copy_(found[key].Tensor);
        }

        return new PyTorchWeightsResult
        {
            Path = path,
            LoadedKeys = loaded,
            MissingKeys = missing,
            UnexpectedKeys = unexpected,
            IgnoredKeys = ignored,
        };
    }

    // What to change when the names do not line up, if the keys show it.
    private static string? Hint(IEnumerable<string> fileKeys, IEnumerable<string> modelKeys, List<string> missing,
        List<string> unexpected, bool shapesDiffer, PyTorchWeightsOptions options)
    {
        var fileSet = fileKeys.ToHashSet(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            // The model's names appear in the file behind a longer prefix (e.g. "backbone." or "module.backbone.").
            var first = options.KeyPrefix + missing[0];
            foreach (var fileKey in fileSet.Where(k => k.Length > first.Length && k.EndsWith("." + first, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var prefix = fileKey[..^missing[0].Length];
                if (missing.All(m => fileSet.Contains(prefix + m)))
                    return $"The file has this model's keys behind the prefix '{prefix}': set PyTorchWeightsOptions.KeyPrefix = \"{prefix}\".";
            }
        }
        if (unexpected.Count > 0)
        {
            // The file holds only a part of the model (e.g. a backbone's state dict loaded into a ClusteringModel).
            var modelSet = modelKeys.ToHashSet(StringComparer.Ordinal);
            foreach (var modelKey in modelSet.Where(k => k.EndsWith("." + unexpected[0], StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var part = modelKey[..^unexpected[0].Length];
                if (unexpected.All(u => modelSet.Contains(part + u)))
                    return $"The file holds only the model's '{part.TrimEnd('.')}' part: load it into that part (e.g. model.Backbone) instead.";
            }
        }
        if (missing.Any(k => k.Contains(".downsample.", StringComparison.Ordinal)) && unexpected.Any(k => k.Contains(".shortcut.", StringComparison.Ordinal)))
            return "The file names the residual projection 'shortcut' (the SCAN authors' CIFAR ResNet): set PyTorchWeightsOptions.RenameKey = k => k.Replace(\".shortcut.\", \".downsample.\").";
        if (shapesDiffer)
            return "The file was saved from a model of other sizes (width, input channels, blocks per stage or clusters): build the model with the file's sizes.";
        if (options.Strict && (missing.Count > 0 || unexpected.Count > 0))
            return "To load only the keys both have, set PyTorchWeightsOptions.Strict = false.";
        return null;
    }
}
