namespace Scan.Core.Evaluation;

/// <summary>
/// The Hungarian algorithm (Kuhn 1955, Munkres 1957) for the rectangular linear assignment problem: pair rows with
/// columns one-to-one so that the total weight of the pairs is as large as possible. This is what SCAN's evaluation
/// uses to match clusters to classes (weight = number of samples a cluster and a class share).
/// </summary>
/// <remarks>
/// Shortest-augmenting-path form with row and column potentials: one augmentation per row of the smaller side,
/// each O(rows x columns), so O(n^2 m) for an n x m problem with n &lt;= m, O(n^3) when square.
/// </remarks>
internal static class HungarianAlgorithm
{
    /// <summary>
    /// Finds the assignment of maximum total weight.
    /// </summary>
    /// <param name="weights">Weight of pairing row r with column c, shape (rows, columns); finite values.</param>
    /// <returns>
    /// For each row, the column it is paired with, or -1 when the row is left unpaired (only when there are more rows
    /// than columns). Exactly min(rows, columns) rows are paired.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException">A weight is NaN or infinite.</exception>
    public static int[] MaximumWeightAssignment(double[,] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int rows = weights.GetLength(0), columns = weights.GetLength(1);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                if (!double.IsFinite(weights[r, c]))
                {
                    throw new ArgumentException(
                        $"weights[{r}, {c}] is {weights[r, c]}; every weight must be a finite number.", nameof(weights));
                }
            }
        }

        var rowToColumn = new int[rows];
        Array.Fill(rowToColumn, -1);
        if (rows == 0 || columns == 0)
            return rowToColumn;

        // The augmenting-path loop wants no more rows than columns; otherwise solve the transpose.
        bool transposed = rows > columns;
        int n = transposed ? columns : rows;
        int m = transposed ? rows : columns;
        // Maximising the weight is minimising its negation.
        double Cost(int i, int j) => transposed ? -weights[j, i] : -weights[i, j];

        int[] columnToRow = MinimumCostAssignment(n, m, Cost);
        for (int j = 0; j < m; j++)
        {
            int i = columnToRow[j];
            if (i < 0)
                continue;
            if (transposed)
                rowToColumn[j] = i;
            else
                rowToColumn[i] = j;
        }
        return rowToColumn;
    }

    /// <summary>
    /// Minimum-cost assignment of all <paramref name="n"/> rows to distinct columns among <paramref name="m"/> &gt;= n.
    /// Returns, for each column, its row or -1.
    /// </summary>
    private static int[] MinimumCostAssignment(int n, int m, Func<int, int, double> cost)
    {
        // 1-based bookkeeping; column 0 is a virtual column holding the row being inserted.
        var rowPotential = new double[n + 1];
        var columnPotential = new double[m + 1];
        var matchedRow = new int[m + 1];      // matchedRow[j] = row (1-based) on column j, 0 when free
        var previousColumn = new int[m + 1];  // back-pointers of the shortest augmenting path
        var slack = new double[m + 1];
        var visited = new bool[m + 1];

        for (int row = 1; row <= n; row++)
        {
            matchedRow[0] = row;
            int column = 0;
            Array.Fill(slack, double.PositiveInfinity);
            Array.Fill(visited, false);

            // Grow a shortest-path tree (Dijkstra on reduced costs) until it reaches a free column.
            do
            {
                visited[column] = true;
                int treeRow = matchedRow[column];
                double delta = double.PositiveInfinity;
                int nextColumn = 0;
                for (int j = 1; j <= m; j++)
                {
                    if (visited[j])
                        continue;
                    double reduced = cost(treeRow - 1, j - 1) - rowPotential[treeRow] - columnPotential[j];
                    if (reduced < slack[j])
                    {
                        slack[j] = reduced;
                        previousColumn[j] = column;
                    }
                    if (slack[j] < delta)
                    {
                        delta = slack[j];
                        nextColumn = j;
                    }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (visited[j])
                    {
                        rowPotential[matchedRow[j]] += delta;
                        columnPotential[j] -= delta;
                    }
                    else
                    {
                        slack[j] -= delta;
                    }
                }
                column = nextColumn;
            }
            while (matchedRow[column] != 0);

            // Flip the matched and unmatched edges along the path back to the virtual column.
            do
            {
                int previous = previousColumn[column];
                matchedRow[column] = matchedRow[previous];
                column = previous;
            }
            while (column != 0);
        }

        var columnToRow = new int[m];
        for (int j = 1; j <= m; j++)
            columnToRow[j - 1] = matchedRow[j] - 1;
        return columnToRow;
    }
}
