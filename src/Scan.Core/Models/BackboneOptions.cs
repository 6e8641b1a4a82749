using System.ComponentModel.DataAnnotations;
using Scan.Core.Inference;

namespace Scan.Core.Models;

/// <summary>Which backbone a pipeline builds, bindable from configuration.</summary>
public sealed class BackboneOptions
{
    /// <summary>The architecture (ResNet-18 by default).</summary>
    public BackboneArchitecture Architecture { get; set; } = BackboneArchitecture.ResNet18;

    /// <summary>The stem; null picks <see cref="ResNetStem.Cifar"/> for images up to 64 pixels, else <see cref="ResNetStem.ImageNet"/>.</summary>
    public ResNetStem? Stem { get; set; }

    /// <summary>Channels of the first stage (64 in ResNet-18). Widths below 16 are allowed but see the remarks of <see cref="ResNetBackbone"/>.</summary>
    [Range(1, 4096, ErrorMessage = "Backbone Width must be in [{1}, {2}].")]
    public int Width { get; set; } = 64;

    /// <summary>Builds the backbone for images of the given channels and size.</summary>
    public ResNetBackbone Build(int inputChannels, int height, int width)
    {
        var stem = Stem ?? (Math.Max(height, width) <= 64 ? ResNetStem.Cifar : ResNetStem.ImageNet);
        int[] blocks = Architecture == BackboneArchitecture.ResNet18 ? new[] { 2, 2, 2, 2 } : new[] { 1, 1, 1, 1 };
        return new ResNetBackbone(stem, inputChannels, Width, blocks);
    }

    /// <summary>
    /// The options that <see cref="Build"/> a backbone of the same shape as <paramref name="backbone"/>, or null when
    /// no options can: a <see cref="Backbone"/> subclass of your own, or a <see cref="ResNetBackbone"/> whose blocks
    /// per stage are neither ResNet-18's {2,2,2,2} nor the small ResNet's {1,1,1,1}.
    /// </summary>
    /// <remarks>A <see cref="ScanModel"/> records these so <see cref="ScanModel.Load(string, TorchSharp.torch.Device?)"/>
    /// can rebuild the network a pretrained backbone was part of.</remarks>
    public static BackboneOptions? Describe(Backbone backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (backbone is not ResNetBackbone resnet)
            return null;
        BackboneArchitecture? architecture =
            resnet.BlocksPerStage.All(b => b == 2) ? BackboneArchitecture.ResNet18 :
            resnet.BlocksPerStage.All(b => b == 1) ? BackboneArchitecture.SmallResNet :
            null;
        return architecture is { } known
            ? new BackboneOptions { Architecture = known, Stem = resnet.Stem, Width = resnet.Width }
            : null;
    }
}
