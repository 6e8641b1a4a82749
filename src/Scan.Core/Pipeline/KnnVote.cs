using Scan.Core.Mining;

namespace Scan.Core.Pipeline;

/// <summary>
/// The kNN-vote accuracy of pretext features: each image gets the most common label among its mined neighbours
/// (ties to the lowest label). A common monitor of SimCLR quality, reported with neighbour purity after mining.
/// </summary>
internal static class KnnVote
{
    public static double Accuracy(NeighborSet neighbors, IReadOnlyList<int> labels)
    {
        int classes = labels.Max() + 1;
        var votes = new int[classes];
        int hits = 0;
        for (int i = 0; i < neighbors.Count; i++)
        {
            Array.Clear(votes);
            foreach (int j in neighbors.GetIndices(i))
                votes[labels[j]]++;
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (votes[c] > votes[best]) best = c;
            if (best == labels[i]) hits++;
        }
        return (double)hits / neighbors.Count;
    }
}
