using Scan.Core.Evaluation;

namespace Scan.Tests.Evaluation;

/// <summary>The Hungarian algorithm against exhaustive search over every one-to-one pairing.</summary>
public class HungarianAlgorithmTests
{
    public static TheoryData<int, int> Shapes()
    {
        var shapes = new TheoryData<int, int>();
        for (int rows = 1; rows <= 7; rows++)
        {
            for (int columns = 1; columns <= 7; columns++)
                shapes.Add(rows, columns);
        }
        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_brute_force_on_random_real_weights(int rows, int columns)
    {
        var random = new Random(1000 * rows + columns);
        for (int trial = 0; trial < 5; trial++)
        {
            var weights = RandomMatrix(rows, columns, () => random.NextDouble() * 200 - 100);
            AssertOptimal(weights);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_brute_force_on_small_integer_weights_with_many_ties(int rows, int columns)
    {
        // Counts like a contingency table's: few distinct values, so many optimal pairings tie.
        var random = new Random(7000 + 1000 * rows + columns);
        for (int trial = 0; trial < 5; trial++)
        {
            var weights = RandomMatrix(rows, columns, () => random.Next(0, 4));
            AssertOptimal(weights);
        }
    }

    [Fact]
    public void Finds_the_single_optimum_of_a_known_square_problem()
    {
        // Greedy takes 9 first (row 0 -> column 0) and ends with 9 + 1 + 6 = 16; the optimum is 8 + 7 + 6 = 21.
        var weights = new double[,]
        {
            { 9, 8, 0 },
            { 7, 1, 0 },
            { 0, 0, 6 },
        };

        HungarianAlgorithm.MaximumWeightAssignment(weights).Should().Equal(1, 0, 2);
    }

    [Fact]
    public void Leaves_the_surplus_rows_unpaired_when_there_are_more_rows_than_columns()
    {
        var weights = new double[,] { { 1, 0 }, { 5, 2 }, { 4, 3 }, { 0, 0 } };

        // Best pairs: row 1 -> column 0 (5) and row 2 -> column 1 (3), total 8.
        HungarianAlgorithm.MaximumWeightAssignment(weights).Should().Equal(-1, 0, 1, -1);
    }

    [Fact]
    public void Returns_all_unpaired_for_a_matrix_without_columns()
    {
        HungarianAlgorithm.MaximumWeightAssignment(new double[3, 0]).Should().Equal(-1, -1, -1);
        HungarianAlgorithm.MaximumWeightAssignment(new double[0, 4]).Should().BeEmpty();
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Rejects_a_weight_that_is_not_finite_and_says_where_it_is(double bad)
    {
        var weights = new double[,] { { 1, 2 }, { 3, bad } };

        var act = () => HungarianAlgorithm.MaximumWeightAssignment(weights);

        act.Should().Throw<ArgumentException>()
            .WithParameterName("weights")
            .WithMessage("*weights[1, 1]*finite*");
    }

    private static double[,] RandomMatrix(int rows, int columns, Func<double> next)
    {
        var weights = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
                weights[r, c] = next();
        }
        return weights;
    }

    private static void AssertOptimal(double[,] weights)
    {
        int rows = weights.GetLength(0), columns = weights.GetLength(1);
        int[] assignment = HungarianAlgorithm.MaximumWeightAssignment(weights);

        assignment.Should().HaveCount(rows);
        var paired = assignment.Where(c => c >= 0).ToList();
        paired.Should().HaveCount(Math.Min(rows, columns), "every row of the smaller side is paired");
        paired.Should().OnlyHaveUniqueItems("no column is used twice");
        assignment.Should().OnlyContain(c => c >= -1 && c < columns, "-1 marks an unpaired row");

        double total = Enumerable.Range(0, rows).Where(r => assignment[r] >= 0).Sum(r => weights[r, assignment[r]]);
        total.Should().BeApproximately(BruteForceMaximum(weights), 1e-9);
    }

    /// <summary>Maximum total weight over every injective pairing of the smaller side into the larger one.</summary>
    private static double BruteForceMaximum(double[,] weights)
    {
        int rows = weights.GetLength(0), columns = weights.GetLength(1);
        bool byRow = rows <= columns;
        int small = Math.Min(rows, columns), large = Math.Max(rows, columns);
        var used = new bool[large];
        double best = double.NegativeInfinity;

        void Search(int index, double sum)
        {
            if (index == small)
            {
                best = Math.Max(best, sum);
                return;
            }
            for (int other = 0; other < large; other++)
            {
                if (used[other])
                    continue;
                used[other] = true;
                Search(index + 1, sum + (byRow ? weights[index, other] : weights[other, index]));
                used[other] = false;
            }
        }

        Search(0, 0.0);
        return best;
    }
}
