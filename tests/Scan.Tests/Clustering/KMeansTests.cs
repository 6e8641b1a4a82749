using System.Text.Json;
using Scan.Core.Clustering;
using Scan.Core.Evaluation;
using static TorchSharp.torch;

namespace Scan.Tests.Clustering;

/// <summary>KMeans against scikit-learn results written by Fixtures/kmeans/make_fixture.py.</summary>
public sealed class KMeansTests
{
    private sealed record Case(string Name, int N, int D, int K, float[] Features, int[] Labels, double Inertia);

    private sealed record FixtureFile(string SklearnVersion, IReadOnlyList<Case> Cases);

    private static readonly Lazy<Dictionary<string, Case>> s_cases = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "kmeans", "kmeans.json");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var file = JsonSerializer.Deserialize<FixtureFile>(File.ReadAllText(path), options)!;
        return file.Cases.ToDictionary(c => c.Name);
    });

    private static KMeansResult Fit(Case c, long seed = 0, int inits = 10) =>
        KMeans.Fit(c.Features, c.N, c.D, new KMeansOptions { Clusters = c.K, Inits = inits, Seed = seed, Tolerance = 1e-6, MaxIterations = 500 });

    [Theory]
    [InlineData("easy")]
    [InlineData("hard")]
    public void InertiaMatchesScikitLearnBest(string name)
    {
        var c = s_cases.Value[name];
        var result = Fit(c);
        Assert.True(Math.Abs(result.Inertia - c.Inertia) <= 1e-3 * c.Inertia,
            $"{name}: inertia {result.Inertia} vs scikit-learn {c.Inertia}");
        Assert.Equal(c.K, result.Clusters);
        Assert.Equal(0, result.EmptyClusters);
        Assert.InRange(result.Iterations, 1, 500);
    }

    [Fact]
    public void EasyPartitionMatchesScikitLearnUpToPermutation()
    {
        var c = s_cases.Value["easy"];
        var result = Fit(c);
        var report = ClusteringMetrics.Evaluate(result.Assignments, c.Labels, c.K, c.K);
        Assert.Equal(1.0, report.HungarianAccuracy, 9);
    }

    [Fact]
    public void InertiaAndCentroidsAreConsistentWithAssignments()
    {
        var c = s_cases.Value["hard"];
        var r = Fit(c, inits: 3);
        double inertia = 0;
        for (int i = 0; i < c.N; i++)
        {
            for (int j = 0; j < c.D; j++)
            {
                double diff = c.Features[i * c.D + j] - r.Centroids[r.Assignments[i] * c.D + j];
                inertia += diff * diff;
            }
        }
        Assert.Equal(inertia, r.Inertia, 1e-3 * inertia);
    }

    [Fact]
    public void SameSeedGivesSameResultAndTensorApiAgrees()
    {
        var c = s_cases.Value["hard"];
        var a = Fit(c, seed: 5, inits: 2);
        var b = Fit(c, seed: 5, inits: 2);
        Assert.Equal(a.Assignments, b.Assignments);
        Assert.Equal(a.Centroids, b.Centroids);
        using var t = tensor(c.Features, [c.N, c.D]);
        var fromTensor = KMeans.Fit(t, new KMeansOptions { Clusters = c.K, Inits = 2, Seed = 5, Tolerance = 1e-6, MaxIterations = 500 });
        Assert.Equal(a.Assignments, fromTensor.Assignments);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        var data = new float[] { 0, 0, 1, 1, 2, 2 };
        var ex = Assert.Throws<ArgumentException>(() => KMeans.Fit(data, 3, 2, new KMeansOptions { Clusters = 4 }));
        Assert.Contains("N = 3", ex.Message);
        var nan = (float[])data.Clone();
        nan[3] = float.NaN;
        ex = Assert.Throws<ArgumentException>(() => KMeans.Fit(nan, 3, 2, new KMeansOptions { Clusters = 2 }));
        Assert.Contains("row 1, column 1", ex.Message);
        Assert.Throws<ArgumentException>(() => KMeans.Fit(data, 2, 2, new KMeansOptions { Clusters = 2 }));
        Assert.Throws<ArgumentException>(() => KMeans.Fit(data, 3, 2, new KMeansOptions { Clusters = 2, Inits = 0 }));
        using var t3 = zeros(2, 2, 2);
        Assert.Throws<ArgumentException>(() => KMeans.Fit(t3, new KMeansOptions { Clusters = 2 }));
    }
}
