using System.ComponentModel.DataAnnotations;
using Scan.Core.Clustering;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>
/// Everything a <see cref="ScanPipeline"/> needs, one nested options object per stage. Defaults are the SCAN
/// authors' CIFAR-10 settings; <see cref="ScanPresets"/> has the paper's and CPU-sized settings. Bind it from an
/// <c>appsettings.json</c> section named <see cref="SectionName"/> with <c>services.AddScan(configuration)</c>.
/// </summary>
public sealed class ScanOptions : IValidatableObject
{
    /// <summary>The configuration section name, "Scan".</summary>
    public const string SectionName = "Scan";

    /// <summary>
    /// Seed of every random choice: same seed, same options, same data on the CPU give the same result, bit for bit,
    /// in another process and after a resume, as long as libtorch runs on as many threads
    /// (<c>torch.get_num_threads()</c>). With 1 thread instead of 2, initial weights, augmentations, forward passes,
    /// losses, kNN mining, k-means and optimizer steps stay bit-identical, but weight gradients of convolutions and
    /// linear layers round differently (by about 1e-5 of their size), so a run drifts apart from its first update on
    /// (measured in RELIABILITY.md, row "Determinism across processes"). On CUDA,
    /// cuDNN and atomic-add kernels make runs differ unless <c>torch.use_deterministic_algorithms(true)</c>.
    /// </summary>
    public long Seed { get; set; }

    /// <summary>Torch device: "cpu" (default), "cuda" or "cuda:N" where the backend has CUDA.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Folder for every stage's output (checkpoints, neighbours, models, reports, the options used). Running
    /// again on the same folder resumes: finished stages are loaded, an interrupted one continues. Null keeps
    /// everything in memory.
    /// </summary>
    public string? RunDirectory { get; set; }

    /// <summary>The backbone to build when none is supplied.</summary>
    public BackboneOptions Backbone { get; set; } = new();

    /// <summary>Augmentation recipes and normalisation.</summary>
    public AugmentationOptions Augmentation { get; set; } = new();

    /// <summary>Stage 1, SimCLR. Skipped when a pretrained backbone is supplied.</summary>
    public SimClrOptions Pretext { get; set; } = new();

    /// <summary>Stage 2, nearest-neighbour mining.</summary>
    public MiningOptions Mining { get; set; } = new();

    /// <summary>Stage 3, SCAN clustering.</summary>
    public ScanClusteringOptions Clustering { get; set; } = new();

    /// <summary>Stage 4, self-labelling.</summary>
    public SelfLabelingOptions SelfLabeling { get; set; } = new();

    /// <summary>Run the self-labelling stage (on by default).</summary>
    public bool SelfLabelingEnabled { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Checked here rather than by attributes: the validator skips this method when an attribute fails, and
        // every problem should be reported at once.
        if (Device is null || !System.Text.RegularExpressions.Regex.IsMatch(Device, "^(cpu|cuda(:[0-9]+)?)$"))
            yield return new ValidationResult($"Device must be 'cpu', 'cuda' or 'cuda:N', found '{Device}'.", new[] { nameof(Device) });
        foreach (var (name, nested) in new (string, object)[]
                 {
                     (nameof(Backbone), Backbone), (nameof(Pretext), Pretext), (nameof(Mining), Mining),
                     (nameof(Clustering), Clustering), (nameof(SelfLabeling), SelfLabeling),
                 })
        {
            if (nested is null)
            {
                yield return new ValidationResult($"{name} must not be null.", new[] { name });
                continue;
            }
            foreach (var failure in OptionsValidation.Failures(nested))
                yield return new ValidationResult($"{name}: {failure}", new[] { name });
        }

        foreach (var failure in AugmentationFailures())
            yield return failure;
    }

    /// <summary>The normalisation statistics and the three view options, each failure naming the member.</summary>
    private IEnumerable<ValidationResult> AugmentationFailures()
    {
        if (Augmentation is null)
        {
            yield return new ValidationResult("Augmentation must not be null.", new[] { nameof(Augmentation) });
        }
        else if ((Augmentation.Mean is null) != (Augmentation.Std is null) ||
                 (Augmentation.Mean is not null && Augmentation.Mean.Length != Augmentation.Std!.Length))
        {
            yield return new ValidationResult(
                "Augmentation.Mean and Augmentation.Std must both be set with one value per channel, or both be null; " +
                $"found Mean {Show(Augmentation.Mean)} and Std {Show(Augmentation.Std)}.",
                new[] { nameof(Augmentation) });
        }
        else if (Augmentation.Mean is not null && Augmentation.Mean.Any(m => !float.IsFinite(m)))
        {
            // A NaN mean would turn every normalised pixel into NaN.
            yield return new ValidationResult(
                $"Augmentation.Mean must be finite, found {Show(Augmentation.Mean)}.", new[] { nameof(Augmentation) });
        }
        else if (Augmentation.Std is not null && Augmentation.Std.Any(s => !(s > 0) || !float.IsFinite(s)))
        {
            yield return new ValidationResult(
                $"Augmentation.Std must be finite and > 0, found {Show(Augmentation.Std)}.",
                new[] { nameof(Augmentation) });
        }

        // The view options, checked here so that an out-of-range one (a flip probability of 2, a crop scale above 1)
        // fails at start-up instead of when its stage begins, possibly hours into a run. Null is valid: the recipe
        // then uses its defaults.
        if (Augmentation is not null)
        {
            foreach (var (name, views) in new (string, object?)[]
                     {
                         (nameof(AugmentationOptions.SimClrViews), Augmentation.SimClrViews),
                         (nameof(AugmentationOptions.Strong), Augmentation.Strong),
                         (nameof(AugmentationOptions.Weak), Augmentation.Weak),
                     })
            {
                if (views is null)
                    continue;
                foreach (var failure in OptionsValidation.Failures(views))
                    yield return new ValidationResult($"{nameof(Augmentation)}.{name}: {failure}", new[] { nameof(Augmentation) });
            }
        }
    }

    private static string Show(float[]? values) =>
        values is null ? "null" : "[" + string.Join(", ", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// The options the run in <paramref name="runDirectory"/> was started with, or null when the folder holds no run.
    /// Resume a run with these: options fitted by measurement (<see cref="ScanPresets.ForAsync"/>) would not come
    /// out identical a second time, and a run directory refuses different options.
    /// </summary>
    /// <exception cref="InvalidDataException">Its options.json is damaged; the message names it.</exception>
    public static ScanOptions? FromRunDirectory(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        return Pipeline.RunDirectory.ReadOptions(runDirectory);
    }

    /// <summary>A deep copy (via JSON), so a built pipeline cannot be changed from outside.</summary>
    public ScanOptions Clone() =>
        System.Text.Json.JsonSerializer.Deserialize<ScanOptions>(
            System.Text.Json.JsonSerializer.Serialize(this, IO.ScanJson.Options), IO.ScanJson.Options)!;
}
