using Scan.Core.Evaluation;

namespace Scan.Tests.Evaluation;

/// <summary>ClusteringMetrics against scikit-learn / scipy values on the committed fixture cases.</summary>
public class ClusteringMetricsReferenceTests
{
    private const double Tolerance = 1e-9;

    public static TheoryData<string> Cases => EvaluationFixture.CaseNames();

    [Fact]
    public void The_fixture_covers_the_cases_the_metrics_must_get_right()
    {
        EvaluationFixture.Cases.Keys.Should().Contain(new[]
        {
            "perfect", "permuted_perfect", "all_in_one_cluster", "single_class_many_clusters",
            "single_class_single_cluster", "one_sample", "formula_n100000",
        });
        EvaluationFixture.Cases.Values.Should().Contain(c => c.Expected.ClusterCount > c.Expected.ClassCount);
        EvaluationFixture.Cases.Values.Should().Contain(c => c.Expected.ClusterCount < c.Expected.ClassCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Nmi_and_ari_equal_scikit_learn(string name)
    {
        var (report, expected) = Evaluate(name);

        report.NormalizedMutualInformation.Should().BeApproximately(expected.Nmi, Tolerance);
        report.AdjustedRandIndex.Should().BeApproximately(expected.Ari, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accuracies_equal_scipy_matching_and_majority_vote(string name)
    {
        var (report, expected) = Evaluate(name);

        report.HungarianAccuracy.Should().BeApproximately(expected.HungarianAccuracy, Tolerance);
        report.MajorityAccuracy.Should().BeApproximately(expected.MajorityAccuracy, Tolerance);
        report.Accuracy.Should().BeApproximately(expected.Accuracy, Tolerance);
        report.MappingMethod.ToString().Should().Be(expected.MappingMethod);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Counts_and_confusion_matrix_equal_the_reference(string name)
    {
        var (report, expected) = Evaluate(name);

        report.ClassCount.Should().Be(expected.ClassCount);
        report.ClusterCount.Should().Be(expected.ClusterCount);
        report.SampleCount.Should().Be(EvaluationFixture.Cases[name].N);
        report.ConfusionMatrix.Should().BeEquivalentTo(expected.ConfusionMatrix, o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mappings_per_class_accuracy_and_matched_confusion_equal_the_reference_when_the_optimum_is_unique(string name)
    {
        var (report, expected) = Evaluate(name);

        report.MajorityClusterToClass.Should().Equal(expected.MajorityClusterToClass);
        if (expected.HungarianUnique)
        {
            report.HungarianClusterToClass.Should().Equal(expected.HungarianClusterToClass);
        }
        else
        {
            // Several matchings reach the optimum; any of them is right as long as it is one-to-one and complete.
            var paired = report.HungarianClusterToClass.Where(c => c >= 0).ToList();
            paired.Should().OnlyHaveUniqueItems();
            paired.Should().HaveCount(Math.Min(expected.ClassCount, expected.ClusterCount));
        }

        bool mappingDetermined = expected.MappingMethod == nameof(ClusterMappingMethod.Majority) || expected.HungarianUnique;
        if (mappingDetermined)
        {
            report.PerClassAccuracy.Should().HaveCount(expected.PerClassAccuracy.Length);
            for (int c = 0; c < expected.PerClassAccuracy.Length; c++)
            {
                if (expected.PerClassAccuracy[c] is double value)
                    report.PerClassAccuracy[c].Should().BeApproximately(value, Tolerance, "class {0}", c);
                else
                    report.PerClassAccuracy[c].Should().BeNull("class {0} has no samples", c);
            }
            report.MatchedConfusionMatrix.Should().BeEquivalentTo(expected.MatchedConfusionMatrix, o => o.WithStrictOrdering());
        }
    }

    private static (ClusteringReport Report, EvaluationFixture.ExpectedMetrics Expected) Evaluate(string name)
    {
        var fixture = EvaluationFixture.Cases[name];
        var (labels, clusters) = fixture.Samples();
        var report = ClusteringMetrics.Evaluate(clusters, labels, fixture.NumClusters, fixture.NumClasses);
        return (report, fixture.Expected);
    }
}
