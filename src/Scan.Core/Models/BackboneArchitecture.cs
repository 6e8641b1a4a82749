namespace Scan.Core.Models;

/// <summary>The backbones <see cref="BackboneOptions"/> can build.</summary>
public enum BackboneArchitecture
{
    /// <summary>ResNet-18: two basic blocks per stage (the SCAN authors' backbone).</summary>
    ResNet18,

    /// <summary>One basic block per stage: fast on a CPU for 28x28 images (<see cref="ResNetBackbone.Small"/>).</summary>
    SmallResNet,
}
