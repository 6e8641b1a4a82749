using Scan.Core.Evaluation;

namespace Scan.Tests.Evaluation;

/// <summary>Prototype selection: the most confident samples of each cluster.</summary>
public class ClusterPrototypesTests
{
    [Fact]
    public void Keeps_the_most_confident_samples_of_each_cluster_in_descending_confidence()
    {
        int[] clusters = [0, 1, 0, 1, 0, 0, 1];
        float[] confidences = [0.5f, 0.9f, 0.99f, 0.3f, 0.7f, 0.1f, 0.95f];

        var prototypes = ClusterPrototypes.MostConfident(clusters, confidences, samplesPerCluster: 2);

        prototypes.Should().HaveCount(2);
        prototypes[0].Should().Equal(2, 4);
        prototypes[1].Should().Equal(6, 1);
    }

    [Fact]
    public void Orders_equal_confidences_by_sample_index()
    {
        int[] clusters = [0, 0, 0, 0];
        float[] confidences = [0.8f, 0.9f, 0.8f, 0.9f];

        var prototypes = ClusterPrototypes.MostConfident(clusters, confidences, samplesPerCluster: 4);

        prototypes[0].Should().Equal(1, 3, 0, 2);
    }

    [Fact]
    public void Returns_fewer_for_small_clusters_and_nothing_for_empty_ones()
    {
        int[] clusters = [2, 0, 2];
        float[] confidences = [0.6f, 0.4f, 0.8f];

        var prototypes = ClusterPrototypes.MostConfident(clusters, confidences, samplesPerCluster: 5, numClusters: 4);

        prototypes.Should().HaveCount(4);
        prototypes[0].Should().Equal(1);
        prototypes[1].Should().BeEmpty();
        prototypes[2].Should().Equal(2, 0);
        prototypes[3].Should().BeEmpty();
    }

    [Fact]
    public void Agrees_with_a_sort_of_all_samples_on_random_data()
    {
        var random = new Random(3);
        int[] clusters = Enumerable.Range(0, 2000).Select(_ => random.Next(10)).ToArray();
        // Few distinct values so that ties occur.
        float[] confidences = clusters.Select(_ => random.Next(50) / 50f).ToArray();

        var prototypes = ClusterPrototypes.MostConfident(clusters, confidences, samplesPerCluster: 7);

        for (int k = 0; k < 10; k++)
        {
            var expected = Enumerable.Range(0, clusters.Length)
                .Where(i => clusters[i] == k)
                .OrderByDescending(i => confidences[i])
                .ThenBy(i => i)
                .Take(7);
            prototypes[k].Should().Equal(expected, "cluster {0}", k);
        }
    }

    [Fact]
    public void Rejects_a_nan_confidence_naming_its_position()
    {
        var act = () => ClusterPrototypes.MostConfident(new[] { 0, 0 }, new[] { 0.5f, float.NaN }, 1);

        act.Should().Throw<ArgumentException>().WithParameterName("confidences").WithMessage("confidences[1] is NaN*");
    }

    [Fact]
    public void Rejects_a_sample_count_below_one()
    {
        var act = () => ClusterPrototypes.MostConfident(new[] { 0 }, new[] { 0.5f }, 0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("samplesPerCluster").WithMessage("*0*");
    }

    [Fact]
    public void Rejects_lists_of_different_length()
    {
        var act = () => ClusterPrototypes.MostConfident(new[] { 0, 1 }, new[] { 0.5f }, 1);

        act.Should().Throw<ArgumentException>()
            .WithParameterName("confidences")
            .WithMessage("clusterAssignments has 2 entries but confidences has 1*");
    }

    [Fact]
    public void Rejects_a_negative_cluster_id()
    {
        var act = () => ClusterPrototypes.MostConfident(new[] { 0, -1 }, new[] { 0.5f, 0.5f }, 1);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("clusterAssignments")
            .WithMessage("clusterAssignments[1] is -1*");
    }

    [Fact]
    public void Rejects_empty_input()
    {
        var act = () => ClusterPrototypes.MostConfident(Array.Empty<int>(), Array.Empty<float>(), 1);

        act.Should().Throw<ArgumentException>().WithParameterName("clusterAssignments").WithMessage("*empty*");
    }
}
