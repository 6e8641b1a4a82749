using System.Globalization;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scan.Augment.Recipes;
using Scan.Core.Pipeline;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Property-based tests (CsCheck) of <see cref="ScanOptions"/> validation, as <c>services.AddScan</c> runs it
/// (<see cref="ScanOptionsValidator"/> over the data annotations and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>
/// rules of every nested stage option): any one generated out-of-range value must fail validation with a message
/// naming the property and the value, and generated in-range options must pass. A failure prints the CsCheck seed
/// that replays it (CsCheck_Seed=...).
/// </summary>
public sealed class OptionsPropertyTests(ITestOutputHelper output)
{
    /// <summary>One out-of-range setting: the property's name, the value, and how to put it into options.</summary>
    public sealed record Invalid(string Property, object Value, Action<ScanOptions> Apply)
    {
        public override string ToString() => $"{Property} = {Format(Value)}";
    }

    private static readonly Gen<Invalid> AnyInvalid = Gen.OneOf(
        // Clustering: C >= 2, λ >= 0, thresholds, batch sizes.
        IntOutside("Clusters", 2, 100_000, (o, v) => o.Clustering.Clusters = v),
        DoubleOutside("EntropyWeight", 0, 1000, (o, v) => o.Clustering.EntropyWeight = v),
        IntOutside("Heads", 1, 100, (o, v) => o.Clustering.Heads = v),
        IntOutside("BatchSize", 2, 1 << 20, (o, v) => o.Clustering.BatchSize = v),
        IntOutside("Epochs", 1, 100_000, (o, v) => o.Clustering.Epochs = v),
        DoubleOutside("LearningRate", 1e-9, 10, (o, v) => o.Clustering.LearningRate = v),
        DoubleOutside("WeightDecay", 0, 1, (o, v) => o.Clustering.WeightDecay = v),
        IntOutside("FeatureCachePasses", 1, 1000, (o, v) => o.Clustering.FeatureCachePasses = v),
        // Self-labelling: the confidence threshold lies in (0, 1).
        DoubleOutside("ConfidenceThreshold", 1e-6, 0.999999999, (o, v) => o.SelfLabeling.ConfidenceThreshold = v),
        IntOutside("BatchSize", 2, 1 << 20, (o, v) => o.SelfLabeling.BatchSize = v),
        IntOutside("Epochs", 1, 100_000, (o, v) => o.SelfLabeling.Epochs = v),
        DoubleOutside("LearningRate", 1e-9, 10, (o, v) => o.SelfLabeling.LearningRate = v),
        DoubleOutside("EmaDecay", 0, 0.999999, (o, v) => o.SelfLabeling.EmaDecay = v),
        // Pretext (SimCLR).
        IntOutside("BatchSize", 2, 1 << 20, (o, v) => o.Pretext.BatchSize = v),
        IntOutside("Epochs", 1, 100_000, (o, v) => o.Pretext.Epochs = v),
        DoubleOutside("LearningRate", 1e-8, 100, (o, v) => o.Pretext.LearningRate = v),
        DoubleOutside("Momentum", 0, 0.999999, (o, v) => o.Pretext.Momentum = v),
        DoubleOutside("Temperature", 1e-4, 10, (o, v) => o.Pretext.Temperature = v),
        DoubleOutside("FinalLearningRateFraction", 0, 1, (o, v) => o.Pretext.FinalLearningRateFraction = v),
        IntOutside("ProjectionDim", 2, 4096, (o, v) => o.Pretext.ProjectionDim = v),
        IntOutside("WarmupEpochs", 0, 100_000, (o, v) => o.Pretext.WarmupEpochs = v),
        // Mining: K >= 1.
        IntOutside("NumNeighbors", 1, 10_000, (o, v) => o.Mining.NumNeighbors = v),
        IntOutside("BatchSize", 1, 1 << 20, (o, v) => o.Mining.BatchSize = v),
        IntOutside("Width", 1, 4096, (o, v) => o.Backbone.Width = v),
        // Augmentation recipes: probabilities in [0, 1], non-negative padding.
        DoubleOutside("FlipProbability", 0, 1, (o, v) => o.Augmentation.Strong = new StrongViewOptions { FlipProbability = v }),
        DoubleOutside("GrayscaleProbability", 0, 1, (o, v) => o.Augmentation.SimClrViews = new SimClrViewOptions { GrayscaleProbability = v }),
        DoubleOutside("FlipProbability", 0, 1, (o, v) => o.Augmentation.Weak = new WeakViewOptions { FlipProbability = v }),
        IntOutside("CropPadding", 0, int.MaxValue, (o, v) => o.Augmentation.Weak = new WeakViewOptions { CropPadding = v }));

    [Fact]
    public void Any_out_of_range_value_fails_validation_naming_the_property_and_the_value()
    {
        var validator = new ScanOptionsValidator();
        AnyInvalid.Sample(invalid =>
        {
            var options = new ScanOptions();
            invalid.Apply(options);
            var result = validator.Validate(null, options);
            result.Failed.Should().BeTrue($"{invalid} is out of range");
            result.Failures.Should().Contain(f => NamesPropertyAndValue(f, invalid),
                $"a failure must name {invalid.Property} and {Format(invalid.Value)}; got: {string.Join(" | ", result.Failures)}");
        }, iter: ReliabilityCaseCounts.InvalidOptionCases, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void In_range_options_pass_validation()
    {
        var valid =
            from clustering in Gen.Select(Gen.Int[2, 100_000], Gen.Double[0, 1000], Gen.Int[1, 100], Gen.Int[2, 1 << 20], Gen.Double[1e-9, 10])
            from selfLabel in Gen.Select(Gen.Double[1e-6, 0.999999999], Gen.Int[2, 1 << 20], Gen.Double[0, 0.999999])
            from pretext in Gen.Select(Gen.Int[1, 100_000], Gen.Double[1e-4, 10], Gen.Double[0, 0.999999], Gen.Int[2, 4096])
            from warmupFraction in Gen.Double[0, 1]
            from mining in Gen.Select(Gen.Int[1, 10_000], Gen.Int[1, 1 << 20])
            from probabilities in Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0, 1])
            select (clustering, selfLabel, pretext, warmupFraction, mining, probabilities);
        var validator = new ScanOptionsValidator();
        valid.Sample(v =>
        {
            var options = new ScanOptions();
            (options.Clustering.Clusters, options.Clustering.EntropyWeight, options.Clustering.Heads, options.Clustering.BatchSize,
                options.Clustering.LearningRate) = v.clustering;
            (options.SelfLabeling.ConfidenceThreshold, options.SelfLabeling.BatchSize, options.SelfLabeling.EmaDecay) = v.selfLabel;
            (options.Pretext.Epochs, options.Pretext.Temperature, options.Pretext.Momentum, options.Pretext.ProjectionDim) = v.pretext;
            options.Pretext.WarmupEpochs = (int)(v.warmupFraction * options.Pretext.Epochs);
            (options.Mining.NumNeighbors, options.Mining.BatchSize) = v.mining;
            options.Augmentation.Strong = new StrongViewOptions { FlipProbability = v.probabilities.Item1 };
            options.Augmentation.SimClrViews = new SimClrViewOptions { GrayscaleProbability = v.probabilities.Item2 };
            options.Augmentation.Weak = new WeakViewOptions { FlipProbability = v.probabilities.Item3 };

            var result = validator.Validate(null, options);
            result.Succeeded.Should().BeTrue(string.Join(" | ", result.Failures ?? []));
        }, iter: ReliabilityCaseCounts.ValidOptionCases, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void Out_of_range_values_bound_through_dependency_injection_fail_at_start_up_naming_them()
    {
        AnyInvalid.Sample(invalid =>
        {
            using var provider = new ServiceCollection().AddScan(invalid.Apply).BuildServiceProvider();
            var act = () => provider.GetRequiredService<IOptions<ScanOptions>>().Value;
            var error = act.Should().Throw<OptionsValidationException>().Which;
            error.Failures.Should().Contain(f => NamesPropertyAndValue(f, invalid), $"a failure must name {invalid}");
        }, iter: ReliabilityCaseCounts.BoundOptionCases, threads: 1, writeLine: output.WriteLine);
    }

    private static bool NamesPropertyAndValue(string failure, Invalid invalid) =>
        failure.Contains(invalid.Property, StringComparison.Ordinal) &&
        (failure.Contains(Format(invalid.Value), StringComparison.Ordinal) ||
         failure.Contains(Convert.ToString(invalid.Value, CultureInfo.CurrentCulture)!, StringComparison.Ordinal));

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;

    /// <summary>Integers below <paramref name="min"/> or above <paramref name="max"/>, the boundaries' neighbours included.</summary>
    private static Gen<Invalid> IntOutside(string property, int min, int max, Action<ScanOptions, int> set)
    {
        var below = Gen.OneOf(Gen.Int[int.MinValue, min - 1], Gen.Int[Math.Max(int.MinValue, min - 10), min - 1], Gen.Const(min - 1));
        var bad = max == int.MaxValue ? below : Gen.OneOf(below, Gen.Int[max + 1, int.MaxValue], Gen.Const(max + 1));
        return bad.Select(v => new Invalid(property, v, o => set(o, v)));
    }

    /// <summary>Doubles below <paramref name="min"/> or above <paramref name="max"/> (the nearest ones included),
    /// NaN and the infinities.</summary>
    private static Gen<Invalid> DoubleOutside(string property, double min, double max, Action<ScanOptions, double> set)
    {
        var bad = Gen.OneOf(
            Gen.Double[-1e12, min].Where(v => v < min),
            Gen.Double[max, 1e12].Where(v => v > max),
            Gen.OneOfConst(Math.BitDecrement(min), Math.BitIncrement(max), -1, double.NaN, double.PositiveInfinity, double.NegativeInfinity)
                .Where(v => !(v >= min && v <= max)));
        return bad.Select(v => new Invalid(property, v, o => set(o, v)));
    }
}
