using System.ComponentModel.DataAnnotations;

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
}
