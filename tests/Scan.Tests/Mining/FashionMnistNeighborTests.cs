using System.Text.Json;
using System.Text.Json.Serialization;
using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Tests.Data;

namespace Scan.Tests.Mining;

/// <summary>
/// The whole mining step on real images: the first 2,000 images of the bundled Fashion-MNIST test split, embedded
/// as raw pixels by <see cref="FeatureExtractor"/>, mined by <see cref="NeighborMiner"/>, scored by
/// <see cref="NeighborPurity"/>; against an independent NumPy float64 computation
/// (Fixtures/mining/make_fashion_mnist_neighbors.py).
/// </summary>
public class FashionMnistNeighborTests
{
    private sealed record Fixture(int N, int K, [property: JsonPropertyName("purity_at_5")] double PurityAt5, double PurityAtK,
        int[] NearTieRows, FirstRows FirstRows);

    private sealed record FirstRows(int[][] Indices, double[][] Similarities);

    private static Fixture LoadFixture()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mining", "fashion_mnist_neighbors.json");
        return JsonSerializer.Deserialize<Fixture>(File.ReadAllText(path),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })
            ?? throw new InvalidDataException($"{path} holds no fixture.");
    }

    [Fact]
    public void Raw_pixel_neighbours_and_their_purity_match_an_independent_float64_computation()
    {
        var fixture = LoadFixture();
        using var test = FashionMnist.LoadBundled(RepositoryPaths.SearchFrom);
        var subset = test.Subset(Enumerable.Range(0, fixture.N).ToArray());

        using var features = FeatureExtractor.Embed(subset, images => images.flatten(1), new FeatureExtractorOptions { BatchSize = 512 });
        var neighbors = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = fixture.K }).Mine(features);

        features.shape.Should().Equal(fixture.N, 784);
        var nearTies = fixture.NearTieRows.ToHashSet();
        for (int a = 0; a < fixture.FirstRows.Indices.Length; a++)
        {
            neighbors.GetSimilarities(a).ToArray().Should().Equal(fixture.FirstRows.Similarities[a].Select(s => (float)s),
                (x, y) => Math.Abs(x - y) <= 1e-6f, "similarities of anchor {0}", a);
            if (!nearTies.Contains(a))
                neighbors.GetIndices(a).ToArray().Should().Equal(fixture.FirstRows.Indices[a], "neighbours of anchor {0}", a);
        }

        // A row with a near-tie may keep a different image at a boundary, changing at most one match of that row.
        var labels = subset.Labels!;
        NeighborPurity.Compute(neighbors, labels, topK: 5).Should()
            .BeApproximately(fixture.PurityAt5, nearTies.Count / (5.0 * fixture.N) + 1e-12);
        NeighborPurity.Compute(neighbors, labels).Should()
            .BeApproximately(fixture.PurityAtK, nearTies.Count / ((double)fixture.K * fixture.N) + 1e-12);
    }
}
