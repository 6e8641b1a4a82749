using Scan.Core.Mining;

namespace Scan.Tests.Mining;

public class NeighborSetTests
{
    private static readonly int[] Indices = { 1, 2, 0, 2, 1, 0 };
    private static readonly float[] Similarities = { 0.9f, 0.1f, 0.9f, 0.5f, 0.5f, 0.1f };

    [Fact]
    public void Rows_are_read_per_anchor_and_the_arrays_are_copied()
    {
        var indices = (int[])Indices.Clone();
        var set = new NeighborSet(3, 2, indices, Similarities);
        indices[0] = 2;

        set.Count.Should().Be(3);
        set.NumNeighbors.Should().Be(2);
        set.GetIndices(0).ToArray().Should().Equal(1, 2);
        set.GetIndices(2).ToArray().Should().Equal(1, 0);
        set.GetSimilarities(1).ToArray().Should().Equal(0.9f, 0.5f);
        set.Indices.ToArray().Should().Equal(Indices);
    }

    [Fact]
    public void The_index_tensor_is_int64_of_shape_N_by_K()
    {
        var set = new NeighborSet(3, 2, Indices, Similarities);

        using var t = set.ToIndexTensor();

        t.dtype.Should().Be(TorchSharp.torch.ScalarType.Int64);
        t.shape.Should().Equal(3, 2);
        t.data<long>().ToArray().Should().Equal(1, 2, 0, 2, 1, 0);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void An_anchor_outside_the_set_is_rejected(int anchor)
    {
        var set = new NeighborSet(3, 2, Indices, Similarities);

        FluentActions.Invoking(() => set.GetIndices(anchor).ToArray()).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "anchor" && e.Message.Contains($"got {anchor}"));
    }

    [Theory]
    [InlineData(1, 1, "at least 2 anchors")]
    [InlineData(3, 0, "K must be in [1, N) = [1, 3), got 0")]
    [InlineData(3, 3, "K must be in [1, N) = [1, 3), got 3")]
    public void Sizes_out_of_range_are_rejected(int count, int k, string message)
    {
        var act = () => new NeighborSet(count, k, Indices, Similarities);

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.Message.Contains(message));
    }

    [Fact]
    public void Arrays_of_the_wrong_length_are_rejected()
    {
        FluentActions.Invoking(() => new NeighborSet(3, 2, Indices[..5], Similarities)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "indices" && e.Message.Contains("3 x 2 = 6 indices, got 5"));
        FluentActions.Invoking(() => new NeighborSet(3, 2, Indices, Similarities[..4])).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "similarities" && e.Message.Contains("got 4"));
    }

    [Theory]
    [InlineData(3, 3, "in [0, 3)")]
    [InlineData(1, -1, "in [0, 3)")]
    [InlineData(0, 0, "anchor 0 is the anchor itself")]
    [InlineData(3, 1, "anchor 1 is the anchor itself")]
    [InlineData(5, 1, "Anchor 2 lists neighbour 1 twice")]
    public void Invalid_neighbours_are_rejected_by_anchor(int position, int value, string message)
    {
        var indices = (int[])Indices.Clone();
        indices[position] = value;

        var act = () => new NeighborSet(3, 2, indices, Similarities);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "indices" && e.Message.Contains(message));
    }

    [Fact]
    public void A_non_finite_similarity_is_rejected()
    {
        var similarities = (float[])Similarities.Clone();
        similarities[3] = float.NaN;

        var act = () => new NeighborSet(3, 2, Indices, similarities);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "similarities" && e.Message.Contains("Similarity 1 of anchor 1"));
    }
}
