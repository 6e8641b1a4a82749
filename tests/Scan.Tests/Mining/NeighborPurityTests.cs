using Scan.Core.Mining;

namespace Scan.Tests.Mining;

public class NeighborPurityTests
{
    // Labels 0, 0, 1, 1. Anchor 0 -> (1 same, 2 other); 1 -> (0 same, 3 other); 2 -> (3 same, 0 other);
    // 3 -> (1 other, 2 same): 3 of 4 first neighbours agree, 4 of 8 neighbours in all.
    private static readonly NeighborSet Set = new(4, 2, new[] { 1, 2, 0, 3, 3, 0, 1, 2 }, new float[8]);
    private static readonly int[] Labels = { 0, 0, 1, 1 };

    [Fact]
    public void Purity_is_the_fraction_of_neighbours_sharing_the_anchor_label()
    {
        NeighborPurity.Compute(Set, Labels).Should().Be(0.5);
        NeighborPurity.Compute(Set, Labels, topK: 2).Should().Be(0.5);
        NeighborPurity.Compute(Set, Labels, topK: 1).Should().Be(0.75);
    }

    [Fact]
    public void Purity_is_one_when_every_neighbour_shares_the_label_and_zero_when_none_does()
    {
        NeighborPurity.Compute(Set, new[] { 5, 5, 5, 5 }).Should().Be(1.0);
        NeighborPurity.Compute(Set, new[] { 0, 1, 2, 3 }).Should().Be(0.0);
    }

    [Fact]
    public void Labels_must_cover_every_anchor()
    {
        var act = () => NeighborPurity.Compute(Set, new[] { 0, 0, 1 });

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "labels" && e.Message.Contains("(4), got 3"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void TopK_must_be_between_one_and_K(int topK)
    {
        var act = () => NeighborPurity.Compute(Set, Labels, topK);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "topK" && e.Message.Contains($"[1, 2], got {topK}"));
    }
}
