using System.Text.Json;

namespace Scan.Tests.Evaluation;

/// <summary>
/// Reference metrics from scikit-learn and scipy, written by Fixtures/evaluation/make_evaluation_fixture.py.
/// </summary>
internal static class EvaluationFixture
{
    private static readonly Lazy<IReadOnlyDictionary<string, FixtureCase>> s_cases = new(Load);

    public static IReadOnlyDictionary<string, FixtureCase> Cases => s_cases.Value;

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (string name in Cases.Keys)
            names.Add(name);
        return names;
    }

    private static IReadOnlyDictionary<string, FixtureCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "evaluation", "evaluation.json");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var file = JsonSerializer.Deserialize<FixtureFile>(File.ReadAllText(path), options)
            ?? throw new InvalidDataException($"{path} holds no fixture.");
        return file.Cases.ToDictionary(c => c.Name);
    }

    internal sealed record FixtureFile(IReadOnlyList<FixtureCase> Cases);

    internal sealed record FixtureCase(
        string Name,
        int N,
        int? NumClasses,
        int? NumClusters,
        int[]? Labels,
        int[]? Clusters,
        string? Formula,
        ExpectedMetrics Expected)
    {
        /// <summary>Labels and clusters: stored, or rebuilt from the script's FORMULA for the large case.</summary>
        public (int[] Labels, int[] Clusters) Samples()
        {
            if (Labels is not null && Clusters is not null)
                return (Labels, Clusters);
            Formula.Should().StartWith("label = i % 10; cluster = i % 10 if (i * 7919) % 100 < 70 else (i * 31) % 12");
            var labels = new int[N];
            var clusters = new int[N];
            for (int i = 0; i < N; i++)
            {
                labels[i] = i % 10;
                clusters[i] = (long)i * 7919 % 100 < 70 ? i % 10 : i * 31 % 12;
            }
            return (labels, clusters);
        }
    }

    internal sealed record ExpectedMetrics(
        int ClassCount,
        int ClusterCount,
        double Nmi,
        double Ari,
        double Accuracy,
        string MappingMethod,
        double HungarianAccuracy,
        bool HungarianUnique,
        int[] HungarianClusterToClass,
        double MajorityAccuracy,
        int[] MajorityClusterToClass,
        double?[] PerClassAccuracy,
        int[][] ConfusionMatrix,
        int[][] MatchedConfusionMatrix);
}
