using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scan.Core.Mining.Kernels;

/// <summary>
/// For every anchor, the best K (similarity, index) pairs seen so far by one worker, kept sorted under SCAN.NET's
/// total order: similarity descending, then index ascending. Because the order is total, the final K of an anchor
/// do not depend on the order in which candidates arrive.
/// </summary>
/// <remarks>
/// Each pair is packed into one 64-bit key whose unsigned order is that total order: the similarity's bits mapped
/// to an order-preserving unsigned integer in the high half, the complemented index in the low half. Insertion then
/// compares and moves one word per entry, which halves the cost of the millions of insertions a search makes.
/// </remarks>
internal sealed class TopKLists
{
    private readonly int _k;
    private readonly ulong[] _keys;

    public TopKLists(int rows, int k)
    {
        _k = k;
        // Key 0 ranks below every real pair (even similarity -infinity), so empty slots need no flag.
        _keys = new ulong[(long)rows * k];
        Worst = new float[rows];
        Array.Fill(Worst, float.NegativeInfinity);
    }

    /// <summary>The K-th (smallest kept) similarity of every row, -infinity while a row has fewer than K: a
    /// candidate below it cannot enter.</summary>
    public float[] Worst { get; }

    /// <summary>The key of (similarity, index): larger keys rank first.</summary>
    public static ulong Key(float similarity, int index)
    {
        // -0 and +0 are equal similarities (then the index decides), so both map to the bits of +0.
        uint bits = similarity == 0 ? 0 : BitConverter.SingleToUInt32Bits(similarity);
        // Negative floats order reversed by their bits: flip them all; non-negative ones: set the sign bit.
        uint ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return (ulong)ordered << 32 | (uint.MaxValue - (uint)index);
    }

    /// <summary>The similarity packed in <paramref name="key"/> (a non-zero key).</summary>
    public static float SimilarityOf(ulong key)
    {
        uint ordered = (uint)(key >> 32);
        return BitConverter.UInt32BitsToSingle((ordered & 0x8000_0000u) != 0 ? ordered & 0x7FFF_FFFFu : ~ordered);
    }

    /// <summary>The index packed in <paramref name="key"/>.</summary>
    public static int IndexOf(ulong key) => (int)(uint.MaxValue - (uint)key);

    /// <summary>The kept pairs of <paramref name="row"/>, best first (fewer than K while the row is not full).</summary>
    public IEnumerable<(int Index, float Similarity)> Row(int row)
    {
        for (int t = 0; t < _k && _keys[row * _k + t] != 0; t++)
            yield return (IndexOf(_keys[row * _k + t]), SimilarityOf(_keys[row * _k + t]));
    }

    /// <summary>Offers <paramref name="index"/> with <paramref name="similarity"/> as a neighbour of <paramref name="row"/>.</summary>
    /// <remarks>Called for every candidate at or above the row's threshold, millions of times per search, hence
    /// the unchecked element access; <paramref name="row"/> is always below the row count given at creation.</remarks>
    public void Offer(int row, int index, float similarity)
    {
        Debug.Assert((uint)row < (uint)Worst.Length);
        ref ulong keys = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keys), (nint)row * _k);
        ulong key = Key(similarity, index);
        int p = _k - 1;
        if (key <= Unsafe.Add(ref keys, p))
            return;
        // Insertion into the sorted row: shift worse entries down by one, dropping the last.
        while (p > 0 && Unsafe.Add(ref keys, p - 1) < key)
        {
            Unsafe.Add(ref keys, p) = Unsafe.Add(ref keys, p - 1);
            p--;
        }

        Unsafe.Add(ref keys, p) = key;
        ulong last = Unsafe.Add(ref keys, _k - 1);
        if (last != 0)
            Worst[row] = SimilarityOf(last);
    }

    /// <summary>Writes the first <paramref name="rows"/> rows, best first; each must hold K entries.</summary>
    public void CopyTo(int rows, Span<int> indices, Span<float> similarities)
    {
        for (int i = 0; i < rows * _k; i++)
        {
            ulong key = _keys[i];
            Debug.Assert(key != 0, "every anchor has at least K other images");
            indices[i] = IndexOf(key);
            similarities[i] = SimilarityOf(key);
        }
    }
}
