namespace Scan.Augment;

/// <summary>How a geometric op reads the source image between pixel centres.</summary>
public enum Interpolation
{
    /// <summary>Nearest pixel: exact copies, no blur; the default of PIL's geometric ops and of torchvision's RandAugment.</summary>
    Nearest,

    /// <summary>Bilinear: smooth resampling; torchvision's default for resizing (RandomResizedCrop).</summary>
    Bilinear,
}
