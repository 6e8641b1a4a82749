using Scan.Core.Mining;

namespace Scan.Tests.Mining;

public class NeighborRankingTests
{
    [Fact]
    public void Without_a_tie_at_the_boundary_the_first_K_candidates_are_kept_and_equal_ones_ordered_by_index()
    {
        var indices = new int[3];
        var similarities = new float[3];

        NeighborRanking.Rank(new[] { 0.9f, 0.5f, 0.5f, 0.2f }, new long[] { 4, 9, 2, 7 }, indices, similarities,
            _ => throw new InvalidOperationException("no boundary tie, the scores must not be searched"));

        indices.Should().Equal(4, 2, 9);
        similarities.Should().Equal(0.9f, 0.5f, 0.5f);
    }

    [Fact]
    public void A_tie_at_the_boundary_keeps_the_lowest_indices_sharing_the_Kth_value()
    {
        var indices = new int[3];
        var similarities = new float[3];
        float asked = float.NaN;

        // Top-k returned 8 and 6 among five images at 0.5; the lowest two of those (1 and 3) must be kept.
        NeighborRanking.Rank(new[] { 0.9f, 0.5f, 0.5f, 0.5f }, new long[] { 4, 8, 6, 3 }, indices, similarities,
            v => { asked = v; return new long[] { 1, 3, 5, 6, 8 }; });

        asked.Should().Be(0.5f);
        indices.Should().Equal(4, 1, 3);
        similarities.Should().Equal(0.9f, 0.5f, 0.5f);
    }
}
