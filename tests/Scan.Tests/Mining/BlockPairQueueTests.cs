using Scan.Core.Mining.Kernels;

namespace Scan.Tests.Mining;

public class BlockPairQueueTests
{
    [Fact]
    public void Pairs_go_out_block_row_by_block_row_skipping_those_whose_blocks_are_in_work()
    {
        var queue = new BlockPairQueue(3);
        var claimed = new List<(int, int)>();

        queue.TryClaim(default, out var first).Should().BeTrue();
        queue.TryClaim(default, out var second).Should().BeTrue();
        claimed.Add(first);
        claimed.Add(second);
        queue.Release(first);
        queue.Release(second);
        while (queue.TryClaim(default, out var pair))
        {
            claimed.Add(pair);
            queue.Release(pair);
        }

        queue.Count.Should().Be(6);
        // (0, 0) holds block 0, so every pair of row 0 waits: (1, 1) is the first free one.
        first.Should().Be((0, 0));
        second.Should().Be((1, 1));
        claimed.Should().Equal((0, 0), (1, 1), (0, 1), (0, 2), (1, 2), (2, 2));
    }

    [Fact]
    public void Concurrent_workers_never_hold_pairs_sharing_a_block_and_take_every_pair_once()
    {
        var queue = new BlockPairQueue(9);
        var holders = new int[9];
        var taken = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
        int conflicts = 0;

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            while (queue.TryClaim(default, out var pair))
            {
                if (Interlocked.Increment(ref holders[pair.I]) > 1 || (pair.J != pair.I && Interlocked.Increment(ref holders[pair.J]) > 1))
                    Interlocked.Increment(ref conflicts);
                taken.Add(pair);
                Thread.SpinWait(2000);
                Interlocked.Decrement(ref holders[pair.I]);
                if (pair.J != pair.I)
                    Interlocked.Decrement(ref holders[pair.J]);
                queue.Release(pair);
            }
        });

        conflicts.Should().Be(0);
        taken.Should().OnlyHaveUniqueItems().And.HaveCount(9 * 10 / 2);
    }

    [Fact]
    public void A_cancelled_token_ends_the_claims()
    {
        var queue = new BlockPairQueue(4);

        queue.TryClaim(new CancellationToken(canceled: true), out _).Should().BeFalse();
    }
}
