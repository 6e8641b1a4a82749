using TorchSharp;
using Scan.Core.Data;
using Scan.Core.Mining;
using static TorchSharp.torch;

namespace Scan.Tests.Mining;

public class NeighborMinerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Neighbours_equal_a_double_precision_brute_force_on_gaussian_features_with_duplicates(bool tensorProducts)
    {
        var x = MiningData.GaussianWithDuplicates(n: 157, d: 12, seed: 1);
        using var features = MiningData.ToTensor(x);

        var mined = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 9, ChunkSize = 40, UseTensorProducts = tensorProducts })
            .Mine(features);
        var (indices, similarities) = BruteForceNeighbors.Compute(x, 9);

        mined.Count.Should().Be(157);
        mined.NumNeighbors.Should().Be(9);
        // The CPU kernel computes exact copies' similarities identically, so they tie exactly in both computations
        // and the lower index comes first in both; distinct vectors are far apart compared with float32 rounding in
        // this seeded set. A BLAS product may round two copies differently, so that path may swap near-ties.
        NeighborComparison.ShouldMatch(mined.Indices, mined.Similarities, indices, similarities, 9, tensorProducts ? 1e-6 : 0);
        mined.GetIndices(3)[..3].ToArray().Should().BeEquivalentTo(new[] { 1, 157 / 2, 156 });
        mined.GetIndices(1)[..3].ToArray().Should().BeEquivalentTo(new[] { 3, 157 / 2, 156 });
        mined.GetIndices(7)[0].Should().Be(8);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exact_ties_are_broken_by_lower_index_including_at_the_kth_place(bool tensorProducts)
    {
        var x = MiningData.ExactTies(n: 120, d: 8, seed: 2);
        using var features = MiningData.ToTensor(x);

        var mined = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 15, ChunkSize = 50, UseTensorProducts = tensorProducts })
            .Mine(features);
        var (indices, similarities) = BruteForceNeighbors.Compute(x, 15);

        mined.Indices.ToArray().Should().Equal(indices);
        mined.Similarities.ToArray().Should().Equal(similarities.Select(s => (float)s));
        // The case the test is about: many anchors have more images at their K-th similarity than fit.
        int boundaryTies = Enumerable.Range(0, 120).Count(a =>
            Enumerable.Range(0, 120).Count(b => b != a && Cosine(x, a, b) == similarities[a * 15 + 14]) > 1);
        boundaryTies.Should().BeGreaterThan(60);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(100, false)]
    [InlineData(1, true)]
    [InlineData(7, true)]
    [InlineData(64, true)]
    [InlineData(120, true)]
    public void Chunk_size_does_not_change_the_result(int chunkSize, bool tensorProducts)
    {
        using var ties = MiningData.ToTensor(MiningData.ExactTies(n: 120, d: 8, seed: 3));
        using var gaussian = MiningData.ToTensor(MiningData.GaussianWithDuplicates(n: 250, d: 16, seed: 4));
        var chunked = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 10, ChunkSize = chunkSize, UseTensorProducts = tensorProducts });
        var whole = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 10, ChunkSize = 1000, UseTensorProducts = tensorProducts });

        var tiesChunked = chunked.Mine(ties);
        var tiesWhole = whole.Mine(ties);
        tiesChunked.Indices.ToArray().Should().Equal(tiesWhole.Indices.ToArray());
        tiesChunked.Similarities.ToArray().Should().Equal(tiesWhole.Similarities.ToArray());

        var gaussianChunked = chunked.Mine(gaussian);
        var gaussianWhole = whole.Mine(gaussian);
        // The CPU kernel computes every similarity identically whatever the blocking; a BLAS product may round
        // differently for different matrix shapes.
        NeighborComparison.ShouldMatch(gaussianChunked.Indices, gaussianChunked.Similarities, gaussianWhole.Indices.ToArray(),
            gaussianWhole.Similarities.ToArray().Select(v => (double)v).ToArray(), 10, tensorProducts ? 1e-6 : 0);
        if (!tensorProducts)
            gaussianChunked.Similarities.ToArray().Should().Equal(gaussianWhole.Similarities.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cancelled_token_stops_before_any_work(bool tensorProducts)
    {
        using var features = randn(300, 4);
        var reports = new List<ImageProgress>();

        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3, UseTensorProducts = tensorProducts })
            .Mine(features, new SynchronousProgress<ImageProgress>(reports.Add), new CancellationToken(canceled: true));

        act.Should().Throw<OperationCanceledException>();
        reports.Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MineAsync_returns_what_Mine_returns_bit_for_bit(bool tensorProducts)
    {
        var x = MiningData.GaussianWithDuplicates(n: 157, d: 12, seed: 1);
        using var features = MiningData.ToTensor(x);
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 9, ChunkSize = 40, UseTensorProducts = tensorProducts });

        var reports = new List<ImageProgress>();
        var mined = await miner.MineAsync(features, new SynchronousProgress<ImageProgress>(reports.Add));
        var expected = miner.Mine(features);

        mined.Indices.ToArray().Should().Equal(expected.Indices.ToArray());
        mined.Similarities.ToArray().Should().Equal(expected.Similarities.ToArray());
        reports.Should().NotBeEmpty();
        reports[^1].Should().Be(new ImageProgress(157, 157));
    }

    [Fact]
    public async Task MineAsync_checks_its_input_before_the_task_starts_and_honours_a_cancelled_token()
    {
        using var features = randn(10, 3);

        Action tooMany = () => _ = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 10 }).MineAsync(features);
        var cancelled = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 }).MineAsync(features, cancellationToken: new CancellationToken(canceled: true));

        tooMany.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.Message.Contains("NumNeighbors = 10"));
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void Rows_need_not_be_normalised_and_the_input_is_not_modified()
    {
        var x = MiningData.GaussianWithDuplicates(n: 60, d: 5, seed: 5);
        using var features = MiningData.ToTensor(x);
        using var scales = linspace(0.001, 1000, 60, ScalarType.Float32).unsqueeze(1);
        using var scaled = features * scales;
        using var before = scaled.clone();

        var fromScaled = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 4 }).Mine(scaled);
        var fromOriginal = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 4 }).Mine(features);

        // Scaled copies of a row normalise to values within an ulp of each other, so exact ties may become near-ties.
        NeighborComparison.ShouldMatch(fromScaled.Indices, fromScaled.Similarities, fromOriginal.Indices.ToArray(),
            fromOriginal.Similarities.ToArray().Select(v => (double)v).ToArray(), 4, 1e-6);
        scaled.equal(before).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Float64_input_is_accepted_and_K_may_be_N_minus_one()
    {
        using var features = tensor(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });

        var mined = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 2 }).Mine(features);

        // cos(e1, e2) = 0, cos(e1, (1,1)) = cos(e2, (1,1)) = 1/sqrt(2).
        mined.GetIndices(0).ToArray().Should().Equal(2, 1);
        mined.GetIndices(1).ToArray().Should().Equal(2, 0);
        mined.GetIndices(2).ToArray().Should().Equal(0, 1);
        mined.GetSimilarities(2)[0].Should().BeApproximately(MathF.Sqrt(0.5f), 1e-7f);
        mined.GetSimilarities(0)[1].Should().BeApproximately(0f, 1e-7f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void K_below_one_is_rejected_when_the_miner_is_created(int k)
    {
        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = k });

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "options" && e.Message.Contains("NeighborMinerOptions: NumNeighbors must be at least 1") && e.Message.Contains($"Found {k}."));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    public void K_not_below_N_is_rejected(int k)
    {
        using var features = randn(10, 3);

        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = k }).Mine(features);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.Message.Contains($"NumNeighbors = {k}") && e.Message.Contains("10 rows"));
    }

    [Fact]
    public void Chunk_size_and_memory_budget_must_be_positive()
    {
        var chunk = () => new NeighborMiner(new NeighborMinerOptions { ChunkSize = 0 });
        var budget = () => new NeighborMiner(new NeighborMinerOptions { ScoreMemoryBudgetBytes = 0 });

        chunk.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("NeighborMinerOptions: ChunkSize") && e.Message.Contains("Found 0."));
        budget.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("NeighborMinerOptions: ScoreMemoryBudgetBytes") && e.Message.Contains("Found 0."));
    }

    [Fact]
    public void The_default_chunk_holds_as_many_anchors_as_the_score_budget_allows()
    {
        var miner = new NeighborMiner(new NeighborMinerOptions { ScoreMemoryBudgetBytes = 4 * 1000 * 37 + 5 });

        miner.ChunkSize(1000).Should().Be(37);
        miner.ChunkSize(20).Should().Be(20);
        new NeighborMiner(new NeighborMinerOptions { ScoreMemoryBudgetBytes = 1 }).ChunkSize(1000).Should().Be(1);
        // The default budget, 256 MiB, against 70,000 images: 958 anchors per chunk.
        new NeighborMiner().ChunkSize(70_000).Should().Be(958);
    }

    [Fact]
    public void An_all_zero_row_is_rejected_by_index()
    {
        using var features = randn(20, 4);
        features[13].zero_();

        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 }).Mine(features);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "features" && e.Message.Contains("Row 13") && e.Message.Contains("zeros"));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    [InlineData(float.NegativeInfinity, "-infinity")]
    public void Non_finite_values_are_rejected_by_position(float value, string shown)
    {
        using var features = randn(20, 4);
        features[11, 2] = value;

        var act = () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 }).Mine(features);

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "features" && e.Message.Contains("features[11, 2]") && e.Message.Contains(shown));
    }

    [Fact]
    public void Bad_rows_are_named_by_their_index_in_the_whole_matrix_not_in_a_normalisation_chunk()
    {
        // 1,024 features per row: the float64 normalisation works on chunks of 1,024 rows.
        using var features = randn(2100, 1024);
        features[1500].zero_();
        features[2050, 7] = float.NaN;
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 });

        FluentActions.Invoking(() => miner.Mine(features)).Should().Throw<ArgumentException>().Where(e => e.Message.Contains("Row 1500"));
        features[1500, 0] = 1f;
        FluentActions.Invoking(() => miner.Mine(features)).Should().Throw<ArgumentException>().Where(e => e.Message.Contains("features[2050, 7] is NaN"));
    }

    [Fact]
    public void Features_that_are_not_a_floating_point_matrix_are_rejected()
    {
        using var vector = randn(20);
        using var integers = ones(new long[] { 20, 3 }, ScalarType.Int32);
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3 });

        FluentActions.Invoking(() => miner.Mine(vector)).Should().Throw<ArgumentException>().Where(e => e.Message.Contains("shape (20)"));
        FluentActions.Invoking(() => miner.Mine(integers)).Should().Throw<ArgumentException>().Where(e => e.Message.Contains("Int32"));
    }

    [Fact]
    public void Progress_is_reported_after_every_chunk_of_the_tensor_path()
    {
        using var features = randn(35, 4);
        var reports = new List<ImageProgress>();

        new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3, ChunkSize = 10, UseTensorProducts = true })
            .Mine(features, new SynchronousProgress<ImageProgress>(reports.Add));

        reports.Select(r => r.Completed).Should().Equal(10, 20, 30, 35);
        reports.Should().OnlyContain(r => r.Total == 35);
    }

    [Fact]
    public void Progress_of_the_cpu_kernel_rises_to_N_on_the_calling_thread()
    {
        using var features = randn(300, 4);
        var reports = new List<ImageProgress>();
        var threads = new HashSet<int>();

        new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3, ChunkSize = 96 })
            .Mine(features, new SynchronousProgress<ImageProgress>(p => { reports.Add(p); threads.Add(Environment.CurrentManagedThreadId); }));

        reports.Should().NotBeEmpty().And.OnlyContain(r => r.Total == 300);
        reports.Select(r => r.Completed).Should().BeInAscendingOrder().And.OnlyContain(c => c > 0 && c <= 300);
        reports[^1].Completed.Should().Be(300);
        threads.Should().Equal(Environment.CurrentManagedThreadId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cancellation_stops_between_chunks(bool tensorProducts)
    {
        using var features = randn(300, 4);
        using var source = new CancellationTokenSource();
        var reports = new List<ImageProgress>();
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 3, ChunkSize = 96, UseTensorProducts = tensorProducts });

        var act = () => miner.Mine(features, new SynchronousProgress<ImageProgress>(p => { reports.Add(p); source.Cancel(); }), source.Token);

        act.Should().Throw<OperationCanceledException>();
        reports.Should().ContainSingle();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mining_leaves_no_tensor_alive(bool tensorProducts)
    {
        using var features = randn(50, 4);
        var miner = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 5, ChunkSize = 16, UseTensorProducts = tensorProducts });
        miner.Mine(features);

        using var scope = NewDisposeScope();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        miner.Mine(features);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    private static double Cosine(float[,] x, int a, int b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < x.GetLength(1); j++)
        {
            dot += (double)x[a, j] * x[b, j];
            na += (double)x[a, j] * x[a, j];
            nb += (double)x[b, j] * x[b, j];
        }

        return dot / Math.Sqrt(na) / Math.Sqrt(nb);
    }
}
