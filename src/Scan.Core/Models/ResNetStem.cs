namespace Scan.Core.Models;

/// <summary>The first layers of a ResNet, chosen by image size.</summary>
public enum ResNetStem
{
    /// <summary>
    /// 3x3 convolution, stride 1, no max-pool: the CIFAR variant the SCAN authors use for 32x32 images; also the
    /// right choice for 28x28 Fashion-MNIST (a 7x7/2 stem plus max-pool would shrink 28x28 to 7x7 at once).
    /// </summary>
    Cifar,

    /// <summary>7x7 convolution, stride 2, then 3x3 max-pool, stride 2: for 96x96 (STL-10) and larger images.</summary>
    ImageNet,
}
