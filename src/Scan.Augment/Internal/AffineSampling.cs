using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// The resampling a geometric op needs: null means the op is exact under any choice (a flip maps pixel centres to
/// pixel centres and never leaves the image), so it can share one resampling with its neighbours.
/// </summary>
internal readonly record struct AffineSampling(Interpolation? Interpolation, AffinePadding? Padding)
{
    /// <summary>Combines two ops' needs into one resampling, or returns false when they conflict.</summary>
    internal static bool TryMerge(AffineSampling a, AffineSampling b, out AffineSampling merged)
    {
        merged = default;
        if (a.Interpolation is { } ia && b.Interpolation is { } ib && ia != ib)
            return false;
        if (a.Padding is { } pa && b.Padding is { } pb && pa != pb)
            return false;
        merged = new AffineSampling(a.Interpolation ?? b.Interpolation, a.Padding ?? b.Padding);
        return true;
    }

    /// <summary>Nearest when free: exact for whole-pixel maps, where bilinear would add float rounding.</summary>
    internal GridSampleMode Mode => Interpolation == Scan.Augment.Interpolation.Bilinear ? GridSampleMode.Bilinear : GridSampleMode.Nearest;

    internal GridSamplePaddingMode PaddingMode => Padding == AffinePadding.Border ? GridSamplePaddingMode.Border : GridSamplePaddingMode.Zeros;
}

/// <summary>What a geometric op reads outside the image.</summary>
internal enum AffinePadding
{
    /// <summary>Black (0), as PIL's rotate/shear/translate and a zero-padded random crop.</summary>
    Zeros,

    /// <summary>The nearest edge pixel, as torchvision's resize does at the border of a crop.</summary>
    Border,
}
