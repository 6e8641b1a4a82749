using Scan.Augment.Internal;
using Scan.Augment.Ops;

namespace Scan.Augment.Recipes;

/// <summary>
/// The augmentation recipes of SCAN (Van Gansbeke et al., 2020, arXiv 2005.12320), with the authors' settings as
/// defaults. Each takes the dataset's normalisation statistics (see <see cref="NormalizationStats"/>): they depend on
/// the data, so there is no default.
/// </summary>
/// <example><code>
/// var views = AugmentationRecipes.SimClr(NormalizationStats.FashionMnist);
/// using var generator = new torch.Generator(42);
/// using var first = views.Apply(batch, generator);   // two differently augmented views of the batch
/// using var second = views.Apply(batch, generator);
/// </code></example>
public static class AugmentationRecipes
{
    /// <summary>
    /// SimCLR's views (pretext step): random resized crop and flip (one resampling), colour jitter with p = 0.8,
    /// random grayscale with p = 0.2, normalisation. Saturation, hue and grayscale are no-ops on 1-channel images.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="normalization"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range; the message names each with its value.</exception>
    public static IAugmentation SimClr(NormalizationStats normalization, SimClrViewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        options ??= new SimClrViewOptions();
        OptionsValidation.ThrowIfInvalid(options, nameof(options));
        return Augmentation.Compose()
            .RandomResizedCrop(options.Height, options.Width, options.MinScale, options.MaxScale, options.MinAspectRatio, options.MaxAspectRatio)
            .HorizontalFlip(options.FlipProbability)
            .ColorJitter(options.Brightness, options.Contrast, options.Saturation, options.Hue, options.ColorJitterProbability)
            .RandomGrayscale(options.GrayscaleProbability)
            .Normalize(normalization)
            .Build();
    }

    /// <summary>
    /// SCAN's strong views (clustering and self-labelling steps), in the authors' order: flip and random crop with
    /// padding (one resampling), <see cref="StrongViewOptions.NumOps"/> ops drawn per sample from
    /// <see cref="StrongOps"/>, normalisation, then Cutout filling 0 (the dataset mean after normalisation).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="normalization"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range; the message names each with its value.</exception>
    public static IAugmentation Strong(NormalizationStats normalization, StrongViewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        options ??= new StrongViewOptions();
        OptionsValidation.ThrowIfInvalid(options, nameof(options));
        var builder = Augmentation.Compose().HorizontalFlip(options.FlipProbability);
        if (options.CropPadding > 0)
            builder.RandomCrop(options.CropPadding);
        builder.RandAugment(options.NumOps, StrongOps(options)).Normalize(normalization);
        if (options.UseCutout)
            builder.Cutout(options.CutoutSize, options.CutoutRandomSize);
        return builder.Build();
    }

    /// <summary>Weak views (targets): flip and random crop with padding, normalisation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="normalization"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range; the message names each with its value.</exception>
    public static IAugmentation Weak(NormalizationStats normalization, WeakViewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        options ??= new WeakViewOptions();
        OptionsValidation.ThrowIfInvalid(options, nameof(options));
        var builder = Augmentation.Compose().HorizontalFlip(options.FlipProbability);
        if (options.CropPadding > 0)
            builder.RandomCrop(options.CropPadding);
        return builder.Normalize(normalization).Build();
    }

    /// <summary>Evaluation (mining, targets, prototypes): normalisation only.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="normalization"/> is null.</exception>
    public static IAugmentation Eval(NormalizationStats normalization) => Augmentation.Compose().Normalize(normalization).Build();

    /// <summary>
    /// SCAN's fourteen strong ops with the authors' magnitude ranges (from <paramref name="options"/>): Identity,
    /// AutoContrast, Equalize, Rotate, Solarize, Color, Posterize, Contrast, Brightness, Sharpness, ShearX, ShearY,
    /// TranslateX, TranslateY. Geometric ranges are symmetric, which is the authors' "flip the sign with p = 0.5".
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names each with its value.</exception>
    public static IReadOnlyList<IAugmentation> StrongOps(StrongViewOptions? options = null)
    {
        options ??= new StrongViewOptions();
        OptionsValidation.ThrowIfInvalid(options, nameof(options));
        var (minEnhance, maxEnhance) = (options.MinEnhanceFactor, options.MaxEnhanceFactor);
        return
        [
            new Identity(),
            new AutoContrast(),
            new Equalize(),
            new Rotate(-options.MaxRotateDegrees, options.MaxRotateDegrees),
            new Solarize(0, options.MaxSolarizeThreshold),
            new Color(minEnhance, maxEnhance),
            new Posterize(options.MinPosterizeBits, options.MaxPosterizeBits),
            new Contrast(minEnhance, maxEnhance),
            new Brightness(minEnhance, maxEnhance),
            new Sharpness(minEnhance, maxEnhance),
            new ShearX(-options.MaxShear, options.MaxShear),
            new ShearY(-options.MaxShear, options.MaxShear),
            new TranslateX(-options.MaxTranslate, options.MaxTranslate),
            new TranslateY(-options.MaxTranslate, options.MaxTranslate),
        ];
    }
}
