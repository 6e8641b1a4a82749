using System.Globalization;
using System.Reflection;
using CsCheck;
using Scan.Core.Pipeline;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Every settable option, found by reflection over <see cref="ScanOptions"/> and the option objects it holds, has
/// here either its valid range (from which CsCheck draws values inside and outside it) or the reason every value of
/// its type is valid. A property added later without one fails the coverage test, so validation cannot silently
/// fall behind the options. Complements <see cref="OptionsPropertyTests"/>, whose generators are written by hand.
/// </summary>
public sealed class OptionsCoverageTests(ITestOutputHelper output)
{
    /// <summary>What a leaf property accepts: draws of valid and of invalid values.</summary>
    private sealed record Spec(Gen<object?> Valid, Gen<object?> Invalid);

    private static Spec Int(int min, int max, bool nullable = false) => new(
        Gen.Int[min, max].Select(v => (object?)v),
        Gen.OneOf(
            min == int.MinValue ? Gen.Int[max + 1, int.MaxValue] : Gen.OneOf(Gen.Int[int.MinValue, min - 1], Gen.Const(min - 1)),
            max == int.MaxValue ? Gen.Int[int.MinValue, min - 1] : Gen.OneOf(Gen.Int[max + 1, int.MaxValue], Gen.Const(max + 1)))
            .Select(v => (object?)v));

    /// <summary>Doubles in [min, max] (an open lower end when <paramref name="openMin"/>); invalid: outside, NaN, infinities.</summary>
    private static Spec Double(double min, double max, bool openMin = false)
    {
        double lo = openMin ? Math.BitIncrement(min) : min, hi = max >= 1e300 ? 1e6 : max;
        var outside = new List<Gen<double>>
        {
            Gen.Double[-1e12, lo].Where(v => v < lo),
            Gen.OneOfConst(Math.BitDecrement(lo), double.NaN, double.NegativeInfinity, -1.0).Where(v => !(v >= lo)),
        };
        if (max < double.MaxValue)
            outside.Add(Gen.OneOf(Gen.Double[max, 1e12].Where(v => v > max), Gen.OneOfConst(Math.BitIncrement(max), double.PositiveInfinity)));
        else
            outside.Add(Gen.Const(double.PositiveInfinity));
        return new(Gen.Double[lo, hi].Select(v => (object?)v), Gen.OneOf(outside.ToArray()).Select(v => (object?)v));
    }

    private static Spec Enum<T>() where T : struct, System.Enum => new(
        Gen.OneOfConst(System.Enum.GetValues<T>()).Select(v => (object?)v),
        Gen.Int[0, 1000].Where(i => !System.Enum.IsDefined(typeof(T), i)).Select(i => (object?)System.Enum.ToObject(typeof(T), i)));

    /// <summary>Valid draws from one spec, invalid from another: for the ends of an interval, whose valid values
    /// depend on the other end (a low end may go up to the high end's default, but is drawn below any high end).</summary>
    private static Spec Mixed(Spec valid, Spec invalid) => new(valid.Valid, invalid.Invalid);

    private static Spec Nullable(Spec spec) => spec with { Valid = Gen.OneOf(spec.Valid, Gen.Const((object?)null!)) };

    /// <summary>Float arrays of one channel (the pipeline's images here are grey) with finite values.</summary>
    private static Gen<object?> Floats(float min, float max) => Gen.Single[min, max].Select(v => (object?)new[] { v });

    /// <summary>The valid and invalid values of every constrained leaf, by path from <see cref="ScanOptions"/>.</summary>
    private static readonly Dictionary<string, Spec> Constrained = new(StringComparer.Ordinal)
    {
        ["Device"] = new(Gen.OneOfConst<object?>("cpu"), Gen.OneOfConst<object?>("gpu", "CPU", "cuda:", "cuda:x", "", "cpu ")),
        ["Backbone.Architecture"] = Enum<Scan.Core.Models.BackboneArchitecture>(),
        ["Backbone.Stem"] = Nullable(Enum<Scan.Core.Models.ResNetStem>()),
        ["Backbone.Width"] = Int(1, 4096),
        ["Augmentation.Mean"] = new(Floats(-10, 10), Gen.OneOfConst<object?>(new[] { float.NaN }, new[] { float.PositiveInfinity })),
        ["Augmentation.Std"] = new(Floats(0.01f, 10), Gen.OneOfConst<object?>(new[] { 0f }, new[] { -1f }, new[] { float.NaN }, new[] { float.PositiveInfinity })),
        ["Augmentation.SimClrViews.Height"] = Nullable(Int(1, int.MaxValue)),
        ["Augmentation.SimClrViews.Width"] = Nullable(Int(1, int.MaxValue)),
        ["Augmentation.SimClrViews.MinScale"] = Mixed(Double(0, 0.2, openMin: true), Double(0, 1, openMin: true)),
        ["Augmentation.SimClrViews.MaxScale"] = Double(0.2, 1),                // not below the default MinScale
        ["Augmentation.SimClrViews.MinAspectRatio"] = Mixed(Double(0, 0.75, openMin: true), Double(0, 4.0 / 3.0, openMin: true)),
        ["Augmentation.SimClrViews.MaxAspectRatio"] = Mixed(Double(4.0 / 3.0, double.MaxValue), Double(0.75, double.MaxValue)),
        ["Augmentation.SimClrViews.FlipProbability"] = Double(0, 1),
        ["Augmentation.SimClrViews.Brightness"] = Double(0, double.MaxValue),
        ["Augmentation.SimClrViews.Contrast"] = Double(0, double.MaxValue),
        ["Augmentation.SimClrViews.Saturation"] = Double(0, double.MaxValue),
        ["Augmentation.SimClrViews.Hue"] = Double(0, 0.5),
        ["Augmentation.SimClrViews.ColorJitterProbability"] = Double(0, 1),
        ["Augmentation.SimClrViews.GrayscaleProbability"] = Double(0, 1),
        ["Augmentation.Strong.FlipProbability"] = Double(0, 1),
        ["Augmentation.Strong.CropPadding"] = Int(0, int.MaxValue),
        ["Augmentation.Strong.NumOps"] = Int(1, int.MaxValue),
        ["Augmentation.Strong.MaxRotateDegrees"] = Double(0, 360),
        ["Augmentation.Strong.MaxShear"] = Double(0, 1),
        ["Augmentation.Strong.MaxTranslate"] = Double(0, 1),
        ["Augmentation.Strong.MinEnhanceFactor"] = Mixed(Double(0, 0.05), Double(0, 0.95)),
        ["Augmentation.Strong.MaxEnhanceFactor"] = Mixed(Double(0.95, 10), Double(0.05, 10)),
        ["Augmentation.Strong.MaxSolarizeThreshold"] = Double(0, 2),
        ["Augmentation.Strong.MinPosterizeBits"] = Mixed(Int(1, 4), Int(1, 8)),
        ["Augmentation.Strong.MaxPosterizeBits"] = Int(4, 8),                 // not below the default MinPosterizeBits
        ["Augmentation.Strong.CutoutSize"] = Nullable(Int(1, int.MaxValue)),
        ["Augmentation.Weak.FlipProbability"] = Double(0, 1),
        ["Augmentation.Weak.CropPadding"] = Int(0, int.MaxValue),
        ["Pretext.Epochs"] = Int(1, 100_000),
        ["Pretext.BatchSize"] = Int(2, 1 << 20),
        ["Pretext.LearningRate"] = Double(1e-8, 100),
        ["Pretext.Momentum"] = Double(0, 0.999999),
        ["Pretext.WeightDecay"] = Double(0, 1),
        ["Pretext.Temperature"] = Double(1e-4, 10),
        ["Pretext.FinalLearningRateFraction"] = Double(0, 1),
        ["Pretext.WarmupEpochs"] = Int(0, 100_000),
        ["Pretext.ProjectionDim"] = Int(2, 4096),
        ["Pretext.Precision"] = Enum<Scan.Core.Training.TrainingPrecision>(),
        ["Pretext.Layout"] = Enum<Scan.Core.Training.ConvolutionLayout>(),
        ["Mining.NumNeighbors"] = Int(1, 10_000),
        ["Mining.PixelWeight"] = Double(0, 4),
        ["Mining.Features"] = Enum<Scan.Core.Pipeline.MiningFeatures>(),
        ["Mining.BatchSize"] = Int(1, 1 << 20),
        ["Clustering.Clusters"] = Int(2, 100_000),
        ["Clustering.Heads"] = Int(1, 100),
        ["Clustering.EntropyWeight"] = Double(0, 1000),
        ["Clustering.EntropyWeights"] = new(Gen.Double[0, 1000].Select(v => (object?)new[] { v }),
            Gen.OneOfConst<object?>(new[] { -1.0 }, new[] { 1001.0 }, new[] { double.NaN }, new[] { 1.0, double.PositiveInfinity })),
        ["Clustering.Epochs"] = Int(1, 100_000),
        ["Clustering.BatchSize"] = Int(2, 1 << 20),
        ["Clustering.LearningRate"] = Double(1e-9, 10),
        ["Clustering.WeightDecay"] = Double(0, 1),
        ["Clustering.FeatureCachePasses"] = Int(1, 1000),
        ["Clustering.FeatureCacheViews"] = Enum<Scan.Core.Clustering.CachedViews>(),
        ["Clustering.KMeansInitializedHeads"] = Mixed(Int(0, 1), Int(0, 100)),
        ["Clustering.PixelComponents"] = Int(0, 256),  // valid draws stay within the fewest Heads drawn (1)
        ["Clustering.Overclustering"] = Mixed(Int(1, 1), Int(1, 10)),  // above 1 needs UpdateBackbone false, which is not drawn
        ["Clustering.FineTunedBackboneStages"] = Mixed(Int(0, 0), Int(0, 4)),  // above 0 needs UpdateBackbone false, which is not drawn
        ["Clustering.BackboneLearningRate"] = Double(1e-9, 10),
        ["SelfLabeling.ConfidenceThreshold"] = Double(1e-6, 0.999999999),
        ["SelfLabeling.Epochs"] = Int(1, 100_000),
        ["SelfLabeling.BatchSize"] = Int(2, 1 << 20),
        ["SelfLabeling.LearningRate"] = Double(1e-9, 10),
        ["SelfLabeling.WeightDecay"] = Double(0, 1),
        ["SelfLabeling.EmaDecay"] = Double(0, 0.999999),
    };

    /// <summary>Leaves every value of whose type is valid, with the reason.</summary>
    private static readonly Dictionary<string, string> Unconstrained = new(StringComparer.Ordinal)
    {
        ["Seed"] = "any long seeds the run",
        ["RunDirectory"] = "null (in memory) or any path; a folder that cannot be written fails when the run takes it (RunDirectory.Lock)",
        ["SelfLabelingEnabled"] = "bool",
        ["Clustering.UpdateBackbone"] = "bool",
        ["SelfLabeling.ClassBalance"] = "bool",
        ["SelfLabeling.FreezeBatchNorm"] = "bool",
        ["SelfLabeling.UseEma"] = "bool",
        ["Augmentation.Strong.CutoutRandomSize"] = "bool",
        ["Augmentation.Strong.UseCutout"] = "bool",
    };

    /// <summary>Every settable leaf property below <see cref="ScanOptions"/>: path and how to reach its owner.</summary>
    private static List<(string Path, PropertyInfo Property, Func<ScanOptions, object> Owner)> Leaves()
    {
        var leaves = new List<(string, PropertyInfo, Func<ScanOptions, object>)>();
        void Walk(Type type, string prefix, Func<ScanOptions, object> owner)
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
            {
                var t = p.PropertyType;
                bool isOptionObject = t.IsClass && t != typeof(string) && !t.IsArray;
                if (isOptionObject)
                    Walk(t, prefix + p.Name + ".", o => p.GetValue(owner(o))!);
                else
                    leaves.Add((prefix + p.Name, p, owner));
            }
        }
        Walk(typeof(ScanOptions), "", o => o);
        return leaves;
    }

    [Fact]
    public void Every_settable_option_has_a_range_or_a_reason_to_have_none()
    {
        var paths = Leaves().Select(l => l.Path).ToList();
        output.WriteLine($"{paths.Count} settable options: {Constrained.Count} with a range, {Unconstrained.Count} unconstrained");
        paths.Except(Constrained.Keys).Except(Unconstrained.Keys).Should().BeEmpty("every option needs a range here or a reason it has none");
        Constrained.Keys.Concat(Unconstrained.Keys).Except(paths).Should().BeEmpty("every entry here is an option");
        paths.Should().HaveCount(ReliabilityCaseCounts.SettableOptions);
    }

    [Fact]
    public void Any_single_out_of_range_option_fails_validation_naming_it_and_its_value()
    {
        var leaves = Leaves().Where(l => Constrained.ContainsKey(l.Path)).ToList();
        var validator = new ScanOptionsValidator();
        var cases = Gen.OneOf(leaves.Select(l => Constrained[l.Path].Invalid.Select(v => (l.Path, l.Property, l.Owner, Value: v))).ToArray());
        cases.Sample(c =>
        {
            var options = new ScanOptions();
            c.Property.SetValue(c.Owner(options), c.Value);
            var result = validator.Validate(null, options);
            result.Failed.Should().BeTrue($"{c.Path} = {Show(c.Value)} is out of range");
            result.Failures.Should().Contain(f => f.Contains(c.Property.Name, StringComparison.Ordinal) && NamesValue(f, c.Value),
                $"a failure must name {c.Path} and {Show(c.Value)}; got: {string.Join(" | ", result.Failures)}");
        }, iter: ReliabilityCaseCounts.SingleOutOfRangeOptionCases, threads: 1, writeLine: output.WriteLine);
        output.WriteLine($"2000 single out-of-range values over {leaves.Count} options");
    }

    [Fact]
    public void Options_with_every_value_drawn_from_its_range_pass_validation()
    {
        var leaves = Leaves().Where(l => Constrained.ContainsKey(l.Path)).ToList();
        var validator = new ScanOptionsValidator();
        var all = leaves.Select(l => Constrained[l.Path].Valid).Aggregate(
            Gen.Const(new List<object?>()), (acc, g) => acc.SelectMany(list => g.Select(v => new List<object?>(list) { v })));
        all.Sample(values =>
        {
            var options = new ScanOptions();
            for (int i = 0; i < leaves.Count; i++)
                leaves[i].Property.SetValue(leaves[i].Owner(options), values[i]);
            // Warm-up may not exceed the epochs; drawn independently it often would.
            options.Pretext.WarmupEpochs = Math.Min(options.Pretext.WarmupEpochs, options.Pretext.Epochs);
            var result = validator.Validate(null, options);
            result.Succeeded.Should().BeTrue(string.Join(" | ", result.Failures ?? []) + " for " +
                string.Join(", ", leaves.Select((l, i) => $"{l.Path}={Show(values[i])}")));
        }, iter: ReliabilityCaseCounts.AllInRangeOptionCases, threads: 1, writeLine: output.WriteLine);
        output.WriteLine($"1000 in-range options, {leaves.Count} values drawn in each");
    }

    private static bool NamesValue(string failure, object? value) => value switch
    {
        float[] a => a.Any(v => failure.Contains(Show(v), StringComparison.Ordinal) || failure.Contains(v.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)),
        double[] a => a.Any(v => failure.Contains(Show(v), StringComparison.Ordinal) || failure.Contains(v.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)),
        System.Enum e => failure.Contains(Convert.ToInt64(e, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal),
        string s => failure.Contains($"'{s}'", StringComparison.Ordinal),
        _ => failure.Contains(Show(value), StringComparison.Ordinal) || failure.Contains(Convert.ToString(value, CultureInfo.CurrentCulture)!, StringComparison.Ordinal),
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        float[] a => "[" + string.Join(", ", a.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]",
        double[] a => "[" + string.Join(", ", a.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };
}
