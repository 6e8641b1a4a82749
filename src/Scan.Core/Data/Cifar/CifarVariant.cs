namespace Scan.Core.Data;

/// <summary>Which CIFAR binary format, and for CIFAR-100 which labels, a <see cref="CifarDataset"/> reads.</summary>
public enum CifarVariant
{
    /// <summary>CIFAR-10: 10 classes; records of 1 label byte and 3,072 pixel bytes.</summary>
    Cifar10,

    /// <summary>
    /// CIFAR-100 with its 20 coarse superclass labels: the paper's CIFAR-100-20. Records of 1 coarse label byte,
    /// 1 fine label byte and 3,072 pixel bytes.
    /// </summary>
    Cifar100Coarse,

    /// <summary>CIFAR-100 with its 100 fine labels; same records as <see cref="Cifar100Coarse"/>.</summary>
    Cifar100Fine,
}
