namespace Scan.Core.Data;

/// <summary>How decoded images are turned into channels.</summary>
public enum ColorMode
{
    /// <summary>Three channels, red, green, blue. Grayscale sources are replicated into all three.</summary>
    Rgb,

    /// <summary>
    /// One channel of luma, L = R·299/1000 + G·587/1000 + B·114/1000 (ITU-R 601-2, the transform Pillow applies
    /// in <c>Image.convert("L")</c>, computed in the same 16-bit fixed point so values match Pillow's).
    /// </summary>
    Grayscale,
}
