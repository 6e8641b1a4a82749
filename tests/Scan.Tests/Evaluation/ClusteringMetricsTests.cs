using System.Text.Json;
using Scan.Core.Evaluation;

namespace Scan.Tests.Evaluation;

/// <summary>Mapping choice, matched results, limit cases, serialisation and argument checks of ClusteringMetrics.</summary>
public class ClusteringMetricsTests
{
    // Contingency (class x cluster) of the three-class example: [[0, 1, 2], [2, 0, 0], [0, 2, 1]].
    // The only best matching is cluster 0 -> class 1, cluster 1 -> class 2, cluster 2 -> class 0 (6 of 8 samples).
    private static readonly int[] s_labels = [0, 0, 0, 1, 1, 2, 2, 2];
    private static readonly int[] s_clusters = [2, 2, 1, 0, 0, 1, 1, 2];

    [Fact]
    public void Matches_clusters_to_classes_one_to_one_when_there_are_as_many_clusters_as_classes()
    {
        var report = ClusteringMetrics.Evaluate(s_clusters, s_labels);

        report.MappingMethod.Should().Be(ClusterMappingMethod.Hungarian);
        report.ClusterToClass.Should().Equal(1, 2, 0);
        report.Accuracy.Should().Be(6.0 / 8);
        report.PerClassAccuracy.Should().Equal(2.0 / 3, 1.0, 2.0 / 3);
    }

    [Fact]
    public void The_matched_confusion_matrix_is_the_confusion_matrix_with_columns_in_class_order()
    {
        var report = ClusteringMetrics.Evaluate(s_clusters, s_labels);

        report.ConfusionMatrix.Should().BeEquivalentTo(
            new[] { new[] { 0, 1, 2 }, new[] { 2, 0, 0 }, new[] { 0, 2, 1 } }, o => o.WithStrictOrdering());
        // Predicted class 0 is cluster 2, class 1 is cluster 0, class 2 is cluster 1.
        report.MatchedConfusionMatrix.Should().BeEquivalentTo(
            new[] { new[] { 2, 0, 1 }, new[] { 0, 2, 0 }, new[] { 1, 0, 2 } }, o => o.WithStrictOrdering());
        report.ClassSizes.Should().Equal(3, 2, 3);
        report.ClusterSizes.Should().Equal(2, 3, 3);
    }

    [Fact]
    public void Uses_the_hungarian_matching_when_there_are_fewer_clusters_than_classes()
    {
        // Class 2 has no cluster of its own: at best it is entirely wrong.
        int[] labels = [0, 0, 1, 1, 1, 2];
        int[] clusters = [0, 0, 1, 1, 1, 1];

        var report = ClusteringMetrics.Evaluate(clusters, labels);

        report.MappingMethod.Should().Be(ClusterMappingMethod.Hungarian);
        report.ClusterToClass.Should().Equal(0, 1);
        report.Accuracy.Should().Be(5.0 / 6);
        report.PerClassAccuracy.Should().Equal(1.0, 1.0, 0.0);
    }

    [Fact]
    public void Uses_the_majority_mapping_when_there_are_more_clusters_than_classes_and_reports_both()
    {
        // Class 0 is split over clusters 0 and 1: over-clustering that is still a perfect partition of the classes.
        int[] labels = [0, 0, 0, 0, 1, 1];
        int[] clusters = [0, 0, 1, 1, 2, 2];

        var report = ClusteringMetrics.Evaluate(clusters, labels);

        report.MappingMethod.Should().Be(ClusterMappingMethod.Majority);
        report.ClusterToClass.Should().Equal(0, 0, 1);
        report.Accuracy.Should().Be(1.0);
        report.MajorityAccuracy.Should().Be(1.0);
        // One-to-one, one of clusters 0 and 1 must stay unpaired: 2 of its samples are wrong.
        report.HungarianAccuracy.Should().Be(4.0 / 6);
        report.HungarianClusterToClass.Count(c => c == -1).Should().Be(1);
        report.MatchedConfusionMatrix.Should().BeEquivalentTo(
            new[] { new[] { 4, 0 }, new[] { 0, 2 } }, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Declared_counts_keep_empty_clusters_and_absent_classes()
    {
        int[] labels = [0, 0, 1];
        int[] clusters = [0, 0, 1];

        var report = ClusteringMetrics.Evaluate(clusters, labels, numClusters: 4, numClasses: 3);

        report.ClusterCount.Should().Be(4);
        report.ClassCount.Should().Be(3);
        report.ClusterSizes.Should().Equal(2, 1, 0, 0);
        report.MajorityClusterToClass.Should().Equal(0, 1, -1, -1);
        report.MappingMethod.Should().Be(ClusterMappingMethod.Majority);
        report.Accuracy.Should().Be(1.0);
        report.PerClassAccuracy.Should().Equal(1.0, 1.0, null);
    }

    [Fact]
    public void Nmi_is_one_when_a_single_class_meets_a_single_cluster()
    {
        var report = ClusteringMetrics.Evaluate(new[] { 4, 4, 4 }, new[] { 2, 2, 2 });

        // scikit-learn: both labellings have zero entropy and nothing is split, which it defines as a perfect match.
        report.NormalizedMutualInformation.Should().Be(1.0);
        report.AdjustedRandIndex.Should().Be(1.0);
        report.Accuracy.Should().Be(1.0);
    }

    [Fact]
    public void Nmi_and_ari_are_zero_when_all_samples_fall_in_one_cluster()
    {
        var report = ClusteringMetrics.Evaluate(new[] { 0, 0, 0, 0, 0 }, new[] { 0, 1, 1, 2, 2 });

        report.NormalizedMutualInformation.Should().Be(0.0);
        report.AdjustedRandIndex.Should().Be(0.0);
        report.Accuracy.Should().Be(2.0 / 5);
    }

    [Fact]
    public void Nmi_is_zero_when_a_single_class_is_split_over_several_clusters()
    {
        var report = ClusteringMetrics.Evaluate(new[] { 0, 1, 2, 3 }, new[] { 0, 0, 0, 0 });

        report.NormalizedMutualInformation.Should().Be(0.0);
        report.AdjustedRandIndex.Should().Be(0.0);
    }

    [Fact]
    public void Metrics_do_not_depend_on_how_clusters_and_classes_are_numbered()
    {
        var random = new Random(5);
        int[] labels = Enumerable.Range(0, 400).Select(_ => random.Next(6)).ToArray();
        int[] clusters = labels.Select(l => random.NextDouble() < 0.6 ? l : random.Next(6)).ToArray();
        int[] renameClusters = Enumerable.Range(0, 6).OrderBy(_ => random.Next()).ToArray();
        int[] renameClasses = Enumerable.Range(0, 6).OrderBy(_ => random.Next()).ToArray();

        var original = ClusteringMetrics.Evaluate(clusters, labels);
        var renamed = ClusteringMetrics.Evaluate(
            clusters.Select(k => renameClusters[k]).ToArray(), labels.Select(c => renameClasses[c]).ToArray());

        renamed.Accuracy.Should().BeApproximately(original.Accuracy, 1e-12);
        renamed.NormalizedMutualInformation.Should().BeApproximately(original.NormalizedMutualInformation, 1e-12);
        renamed.AdjustedRandIndex.Should().BeApproximately(original.AdjustedRandIndex, 1e-12);
        original.Accuracy.Should().BeInRange(0.5, 0.9, "the clustering keeps about 60% of samples at home");
    }

    [Fact]
    public void Nmi_and_ari_are_symmetric_in_the_two_labellings()
    {
        var random = new Random(11);
        int[] a = Enumerable.Range(0, 300).Select(_ => random.Next(4)).ToArray();
        int[] b = a.Select(x => random.NextDouble() < 0.5 ? x : random.Next(7)).ToArray();

        var forward = ClusteringMetrics.Evaluate(a, b);
        var backward = ClusteringMetrics.Evaluate(b, a);

        backward.NormalizedMutualInformation.Should().BeApproximately(forward.NormalizedMutualInformation, 1e-12);
        backward.AdjustedRandIndex.Should().BeApproximately(forward.AdjustedRandIndex, 1e-12);
    }

    [Fact]
    public void Accepts_any_read_only_list()
    {
        var report = ClusteringMetrics.Evaluate(new List<int>(s_clusters), Array.AsReadOnly(s_labels));

        report.Accuracy.Should().Be(6.0 / 8);
    }

    [Fact]
    public void The_report_round_trips_through_System_Text_Json_with_the_method_by_name()
    {
        var report = ClusteringMetrics.Evaluate(new[] { 0, 0, 1 }, new[] { 0, 0, 1 }, numClasses: 3);

        string json = JsonSerializer.Serialize(report);
        var restored = JsonSerializer.Deserialize<ClusteringReport>(json);

        json.Should().Contain("\"MappingMethod\":\"Hungarian\"");
        json.Should().Contain("\"PerClassAccuracy\":[1,1,null]");
        restored.Should().BeEquivalentTo(report, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Rejects_null_input_naming_the_argument()
    {
        var act = () => ClusteringMetrics.Evaluate(null!, new[] { 0 });

        act.Should().Throw<ArgumentNullException>().WithParameterName("clusterAssignments");
    }

    [Fact]
    public void Rejects_empty_input_naming_the_argument()
    {
        var act = () => ClusteringMetrics.Evaluate(Array.Empty<int>(), Array.Empty<int>());

        act.Should().Throw<ArgumentException>().WithParameterName("clusterAssignments").WithMessage("*empty*");
    }

    [Fact]
    public void Rejects_lists_of_different_length_naming_both_lengths()
    {
        var act = () => ClusteringMetrics.Evaluate(new[] { 0, 1, 1 }, new[] { 0, 1 });

        act.Should().Throw<ArgumentException>()
            .WithParameterName("labels")
            .WithMessage("clusterAssignments has 3 entries but labels has 2*");
    }

    [Fact]
    public void Rejects_a_negative_cluster_id_naming_its_position_and_value()
    {
        var act = () => ClusteringMetrics.Evaluate(new[] { 0, -2, 1 }, new[] { 0, 1, 1 });

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("clusterAssignments")
            .WithMessage("clusterAssignments[1] is -2; ids must be non-negative*")
            .Which.ActualValue.Should().Be(-2);
    }

    [Fact]
    public void Rejects_a_negative_label_naming_its_position_and_value()
    {
        var act = () => ClusteringMetrics.Evaluate(new[] { 0, 1, 1 }, new[] { 0, 1, -1 });

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("labels")
            .WithMessage("labels[2] is -1*");
    }

    [Fact]
    public void Rejects_an_id_not_below_the_declared_count()
    {
        var act = () => ClusteringMetrics.Evaluate(new[] { 0, 2 }, new[] { 0, 1 }, numClusters: 2);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("clusterAssignments")
            .WithMessage("clusterAssignments[1] is 2; with numClusters = 2 ids must be below 2*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Rejects_a_declared_count_below_one(int numClasses)
    {
        var act = () => ClusteringMetrics.Evaluate(new[] { 0 }, new[] { 0 }, numClasses: numClasses);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("numClasses")
            .WithMessage("numClasses must be at least 1*")
            .Which.ActualValue.Should().Be(numClasses);
    }
}
