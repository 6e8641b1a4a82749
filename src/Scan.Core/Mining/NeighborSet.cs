using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>
/// The K nearest neighbours of every anchor (image) of a dataset, as SCAN's clustering stage consumes them. Stored as
/// managed arrays, row-major: row <c>a</c> holds the neighbours of anchor <c>a</c>, sorted by similarity descending,
/// ties by lower index. An anchor is never its own neighbour. Immutable.
/// </summary>
public sealed class NeighborSet
{
    private readonly int[] _indices;
    private readonly float[] _similarities;

    /// <summary>Creates a set from row-major arrays (copied).</summary>
    /// <param name="count">Number of anchors N (the dataset size); at least 2.</param>
    /// <param name="numNeighbors">Neighbours per anchor K; in [1, N).</param>
    /// <param name="indices">N x K neighbour indices, each in [0, N) and different from its row's anchor.</param>
    /// <param name="similarities">N x K cosine similarities, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">N or K is out of range.</exception>
    /// <exception cref="ArgumentException">An array has the wrong length, an index is out of range, equals its
    /// anchor or repeats within its row, or a similarity is not finite.</exception>
    public NeighborSet(int count, int numNeighbors, ReadOnlySpan<int> indices, ReadOnlySpan<float> similarities)
        : this(count, numNeighbors, indices.ToArray(), similarities.ToArray())
    {
    }

    private NeighborSet(int count, int numNeighbors, int[] indices, float[] similarities)
    {
        Validate(count, numNeighbors, indices, similarities);
        Count = count;
        NumNeighbors = numNeighbors;
        _indices = indices;
        _similarities = similarities;
    }

    /// <summary>Wraps arrays the caller hands over (no copy); validates them like the public constructor.</summary>
    internal static NeighborSet Adopt(int count, int numNeighbors, int[] indices, float[] similarities) =>
        new(count, numNeighbors, indices, similarities);

    /// <summary>Number of anchors N.</summary>
    public int Count { get; }

    /// <summary>Neighbours per anchor K.</summary>
    public int NumNeighbors { get; }

    /// <summary>All neighbour indices, row-major (N x K).</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>All similarities, row-major (N x K), aligned with <see cref="Indices"/>.</summary>
    public ReadOnlySpan<float> Similarities => _similarities;

    /// <summary>The K neighbours of <paramref name="anchor"/>, most similar first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="anchor"/> is not in [0, N).</exception>
    public ReadOnlySpan<int> GetIndices(int anchor) => _indices.AsSpan(RowStart(anchor), NumNeighbors);

    /// <summary>The cosine similarities of <paramref name="anchor"/> to its K neighbours, descending.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="anchor"/> is not in [0, N).</exception>
    public ReadOnlySpan<float> GetSimilarities(int anchor) => _similarities.AsSpan(RowStart(anchor), NumNeighbors);

    /// <summary>
    /// Writes the set to <paramref name="path"/> as a neighbour file (FORMATS.md, "Neighbour sets"), atomically,
    /// replacing any file there: the hand-over from mining to clustering, e.g. to mine once and cluster many times.
    /// </summary>
    /// <param name="path">Target file; its folder is created if missing.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the set is too large for one file.</exception>
    public void Save(string path) => NeighborSetFile.Save(this, path);

    /// <summary>Reads a set written by <see cref="Save"/>, verifying it first.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a neighbour file of this version, its sizes do not
    /// match its length (truncated or extended), its checksum does not match (damaged), or its content is not a
    /// valid neighbour set; the message names the file and what was expected vs found.</exception>
    public static NeighborSet Load(string path) => NeighborSetFile.Load(path);

    /// <summary>The indices as a new int64 CPU tensor of shape (N, K), e.g. to sample neighbours in a training
    /// step. The caller owns (disposes) it.</summary>
    public Tensor ToIndexTensor()
    {
        var wide = new long[_indices.Length];
        for (int i = 0; i < wide.Length; i++)
            wide[i] = _indices[i];
        return tensor(wide, new long[] { Count, NumNeighbors }, ScalarType.Int64);
    }

    private int RowStart(int anchor)
    {
        if ((uint)anchor >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(anchor), anchor, $"Anchor must be in [0, {Count}), got {anchor}.");
        return anchor * NumNeighbors;
    }

    private static void Validate(int count, int numNeighbors, int[] indices, float[] similarities)
    {
        if (count < 2)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A neighbour set needs at least 2 anchors, got {count}.");
        if (numNeighbors < 1 || numNeighbors >= count)
            throw new ArgumentOutOfRangeException(nameof(numNeighbors), numNeighbors,
                $"K must be in [1, N) = [1, {count}), got {numNeighbors}.");
        long expected = (long)count * numNeighbors;
        if (indices.Length != expected)
            throw new ArgumentException($"Expected N x K = {count} x {numNeighbors} = {expected} indices, got {indices.Length}.", nameof(indices));
        if (similarities.Length != expected)
            throw new ArgumentException(
                $"Expected N x K = {count} x {numNeighbors} = {expected} similarities, got {similarities.Length}.", nameof(similarities));
        for (int i = 0; i < indices.Length; i++)
        {
            int anchor = i / numNeighbors;
            if ((uint)indices[i] >= (uint)count)
                throw new ArgumentException(
                    $"Neighbour {i % numNeighbors} of anchor {anchor} is {indices[i]}, expected an index in [0, {count}).", nameof(indices));
            if (indices[i] == anchor)
                throw new ArgumentException(
                    $"Neighbour {i % numNeighbors} of anchor {anchor} is the anchor itself; an anchor is never its own neighbour.",
                    nameof(indices));
            for (int j = anchor * numNeighbors; j < i; j++)
                if (indices[j] == indices[i])
                    throw new ArgumentException(
                        $"Anchor {anchor} lists neighbour {indices[i]} twice (positions {j % numNeighbors} and {i % numNeighbors}).",
                        nameof(indices));
            if (!float.IsFinite(similarities[i]))
                throw new ArgumentException(
                    $"Similarity {i % numNeighbors} of anchor {anchor} is {similarities[i]}, expected a finite value.", nameof(similarities));
        }
    }
}
