using System.ComponentModel.DataAnnotations;
using Scan.Core.Training;

namespace Scan.Core.Pretext;

/// <summary>
/// Settings of the SimCLR pretext stage. Defaults are the SCAN authors' CIFAR-10 settings: 500 epochs, batch 512,
/// SGD lr 0.4, momentum 0.9, no Nesterov, weight decay 1e-4, cosine decay to 0.1x, temperature 0.1, projection 128.
/// </summary>
public sealed class SimClrOptions : IValidatableObject
{
    /// <summary>Passes over the dataset.</summary>
    [Range(1, 100_000, ErrorMessage = "Epochs must be in [{1}, {2}].")]
    public int Epochs { get; set; } = 500;

    /// <summary>Images per step (each contributes two views, so the loss sees 2x this many).</summary>
    [Range(2, 1 << 20, ErrorMessage = "BatchSize must be in [{1}, {2}].")]
    public int BatchSize { get; set; } = 512;

    /// <summary>Peak SGD learning rate.</summary>
    [Range(1e-8, 100.0, ErrorMessage = "LearningRate must be in [{1}, {2}].")]
    public double LearningRate { get; set; } = 0.4;

    /// <summary>SGD momentum.</summary>
    [Range(0.0, 0.999999, ErrorMessage = "Momentum must be in [{1}, {2}].")]
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 weight decay.</summary>
    [Range(0.0, 1.0, ErrorMessage = "WeightDecay must be in [{1}, {2}].")]
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>NT-Xent temperature τ.</summary>
    [Range(1e-4, 10.0, ErrorMessage = "Temperature must be in [{1}, {2}].")]
    public double Temperature { get; set; } = 0.1;

    /// <summary>The learning rate decays by cosine to this fraction of <see cref="LearningRate"/>.</summary>
    [Range(0.0, 1.0, ErrorMessage = "FinalLearningRateFraction must be in [{1}, {2}].")]
    public double FinalLearningRateFraction { get; set; } = 0.1;

    /// <summary>Epochs of linear warm-up before the cosine decay (0: none, as in the authors' configs).</summary>
    [Range(0, 100_000, ErrorMessage = "WarmupEpochs must be in [{1}, {2}].")]
    public int WarmupEpochs { get; set; }

    /// <summary>Output size of the projection head.</summary>
    [Range(2, 4096, ErrorMessage = "ProjectionDim must be in [{1}, {2}].")]
    public int ProjectionDim { get; set; } = 128;

    /// <summary>
    /// The number format of the forward and backward passes: <see cref="TrainingPrecision.Float32"/> (the default),
    /// <see cref="TrainingPrecision.BFloat16"/> with float32 master weights, or <see cref="TrainingPrecision.Auto"/>,
    /// which times both on this machine when training starts and picks one.
    /// </summary>
    [EnumDataType(typeof(TrainingPrecision), ErrorMessage = "Precision must be Float32, BFloat16 or Auto.")]
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    /// <summary>
    /// The memory order of a <see cref="Models.ResNetBackbone"/>'s convolutions: <see cref="ConvolutionLayout.Contiguous"/>
    /// (the default: bit-identical reruns and resumes anywhere), <see cref="ConvolutionLayout.ChannelsLast"/>, or
    /// <see cref="ConvolutionLayout.Auto"/>, which times a few float32 steps in both orders on this machine when
    /// training starts and keeps channels-last only where it is at least 5 % faster (once per process and model
    /// shape). The presets ask for Auto, and <see cref="Pipeline.ScanPresets.ForAsync"/> and
    /// <see cref="Pipeline.ScanPresets.FitToBudgetAsync"/> settle it in their probe, so that the options a run saves
    /// name the layout it trained in. The backbone keeps the layout for the later stages.
    /// </summary>
    [EnumDataType(typeof(ConvolutionLayout), ErrorMessage = "Layout must be Auto, Contiguous or ChannelsLast.")]
    public ConvolutionLayout Layout { get; set; } = ConvolutionLayout.Contiguous;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (WarmupEpochs > Epochs)
        {
            yield return new ValidationResult($"WarmupEpochs ({WarmupEpochs}) must not exceed Epochs ({Epochs}).",
                new[] { nameof(WarmupEpochs) });
        }
    }
}
