using Scan.Core.Mining.Kernels;

namespace Scan.Tests.Mining;

public class TopKListsTests
{
    [Fact]
    public void Offers_keep_the_best_K_by_similarity_then_lower_index_whatever_their_order()
    {
        var offers = new (int Index, float Similarity)[] { (5, 0.2f), (9, 0.7f), (3, 0.7f), (1, 0.1f), (8, 0.9f), (2, 0.2f), (7, 0.7f) };
        foreach (var order in new[] { offers, offers.Reverse().ToArray(), offers.OrderBy(o => o.Index).ToArray() })
        {
            var lists = new TopKLists(rows: 2, k: 4);
            foreach (var (index, similarity) in order)
                lists.Offer(1, index, similarity);

            lists.Row(1).Should().Equal((8, 0.9f), (3, 0.7f), (7, 0.7f), (9, 0.7f));
            lists.Row(0).Should().BeEmpty();
            lists.Worst[1].Should().Be(0.7f);
            // Row 0 received nothing: every candidate clears its threshold.
            lists.Worst[0].Should().Be(float.NegativeInfinity);
        }
    }

    [Fact]
    public void Full_rows_are_copied_out_best_first()
    {
        var lists = new TopKLists(rows: 3, k: 2);
        foreach (var (row, index, similarity) in new[] { (0, 2, 0.5f), (0, 1, 0.5f), (1, 0, -0.25f), (1, 2, 0.75f), (2, 0, 0.1f), (2, 1, 0.2f) })
            lists.Offer(row, index, similarity);
        var indices = new int[6];
        var similarities = new float[6];

        lists.CopyTo(3, indices, similarities);

        indices.Should().Equal(1, 2, 2, 0, 1, 0);
        similarities.Should().Equal(0.5f, 0.5f, 0.75f, -0.25f, 0.2f, 0.1f);
    }

    [Theory]
    [InlineData(0.5f, 3, 0.25f, 9)]
    [InlineData(0.5f, 3, 0.5f, 4)]
    [InlineData(-0f, 0, 0f, 1)]
    [InlineData(-0.25f, 2, -0.5f, 1)]
    [InlineData(1e-30f, 7, -1e-30f, 0)]
    [InlineData(-1f, 0, float.NegativeInfinity, 0)]
    public void Keys_order_pairs_by_similarity_then_lower_index_and_round_trip(float better, int betterIndex, float worse, int worseIndex)
    {
        ulong a = TopKLists.Key(better, betterIndex), b = TopKLists.Key(worse, worseIndex);

        a.Should().BeGreaterThan(b);
        b.Should().BeGreaterThan(0UL, "key 0 marks an empty slot");
        (TopKLists.IndexOf(a), TopKLists.SimilarityOf(a)).Should().Be((betterIndex, better));
        (TopKLists.IndexOf(b), TopKLists.SimilarityOf(b)).Should().Be((worseIndex, worse));
    }
}
