using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scan.Core.Mining.Kernels;

/// <summary>
/// For every anchor, the best K (similarity, index) pairs seen so far by one worker, kept sorted under SCAN.NET's
/// total order: similarity descending, then index ascending. Because the order is total, the final K of an anchor
/// do not depend on the order in which candidates arrive.
/// </summary>
internal sealed class TopKLists
{
    private readonly int _k;

    public TopKLists(int rows, int k)
    {
        _k = k;
        Similarities = new float[(long)rows * k];
        Indices = new int[(long)rows * k];
        Worst = new float[rows];
        // Empty slots hold the worst possible entry, so every real candidate beats them.
        Array.Fill(Similarities, float.NegativeInfinity);
        Array.Fill(Indices, int.MaxValue);
        Array.Fill(Worst, float.NegativeInfinity);
    }

    /// <summary>Similarities, row-major (rows x K), each row descending.</summary>
    public float[] Similarities { get; }

    /// <summary>Indices aligned with <see cref="Similarities"/>.</summary>
    public int[] Indices { get; }

    /// <summary>The K-th (smallest kept) similarity of every row: a candidate below it cannot enter.</summary>
    public float[] Worst { get; }

    /// <summary>True when (s1, i1) ranks before (s2, i2).</summary>
    public static bool Before(float s1, int i1, float s2, int i2) => s1 > s2 || (s1 == s2 && i1 < i2);

    /// <summary>Offers <paramref name="index"/> with <paramref name="similarity"/> as a neighbour of <paramref name="row"/>.</summary>
    /// <remarks>Called for every candidate at or above the row's threshold, millions of times per search, hence
    /// the unchecked element access; <paramref name="row"/> is always below the row count given at creation.</remarks>
    public void Offer(int row, int index, float similarity)
    {
        Debug.Assert((uint)row < (uint)Worst.Length);
        ref float similarities = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Similarities), (nint)row * _k);
        ref int indices = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Indices), (nint)row * _k);
        int p = _k - 1;
        if (!Before(similarity, index, Unsafe.Add(ref similarities, p), Unsafe.Add(ref indices, p)))
            return;
        // Insertion into the sorted row: shift worse entries down by one, dropping the last.
        while (p > 0)
        {
            float s = Unsafe.Add(ref similarities, p - 1);
            int i = Unsafe.Add(ref indices, p - 1);
            if (!Before(similarity, index, s, i))
                break;
            Unsafe.Add(ref similarities, p) = s;
            Unsafe.Add(ref indices, p) = i;
            p--;
        }

        Unsafe.Add(ref similarities, p) = similarity;
        Unsafe.Add(ref indices, p) = index;
        Worst[row] = Unsafe.Add(ref similarities, _k - 1);
    }

    /// <summary>
    /// Merges the rows of several workers' lists into the final K per row: the best K of their union under the
    /// total order (each worker saw a disjoint part of the candidates, so the union holds every global top-K entry).
    /// </summary>
    public static void Merge(IReadOnlyList<TopKLists> parts, int rows, int k, Span<int> indices, Span<float> similarities)
    {
        var cursor = new int[parts.Count];
        for (int row = 0; row < rows; row++)
        {
            Array.Clear(cursor);
            int start = row * k;
            for (int t = 0; t < k; t++)
            {
                int best = 0;
                for (int w = 1; w < parts.Count; w++)
                {
                    int candidate = start + cursor[w], current = start + cursor[best];
                    if (Before(parts[w].Similarities[candidate], parts[w].Indices[candidate],
                            parts[best].Similarities[current], parts[best].Indices[current]))
                        best = w;
                }

                int at = start + cursor[best]++;
                indices[start + t] = parts[best].Indices[at];
                similarities[start + t] = parts[best].Similarities[at];
            }
        }
    }
}
