using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// A view of some images of another dataset, in the order given (indices may repeat). Reads go to the source; the
/// view owns nothing and is valid as long as the source is.
/// </summary>
/// <example>
/// <code>
/// var firstThousand = dataset.Subset(Enumerable.Range(0, 1000).ToArray());
/// </code>
/// </example>
internal sealed class ImageDatasetSubset : IImageDataset
{
    private readonly int[] _indices;

    /// <summary>A view of <paramref name="source"/>'s images at <paramref name="indices"/>.</summary>
    /// <param name="source">The dataset read from.</param>
    /// <param name="indices">Positions in <paramref name="source"/>, each in [0, source.Count).</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source.</exception>
    public ImageDatasetSubset(IImageDataset source, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        _indices = indices.ToArray();
        DatasetChecks.CheckIndices(_indices, source.Count, nameof(indices));
        Source = source;
        Indices = Array.AsReadOnly(_indices);
        if (source.Labels is { } labels)
            Labels = Array.AsReadOnly(Array.ConvertAll(_indices, i => labels[i]));
    }

    /// <summary>The dataset read from.</summary>
    public IImageDataset Source { get; }

    /// <summary>Position in <see cref="Source"/> of each image of the view.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <inheritdoc />
    public int Count => _indices.Length;

    /// <inheritdoc />
    public int Channels => Source.Channels;

    /// <inheritdoc />
    public int Height => Source.Height;

    /// <inheritdoc />
    public int Width => Source.Width;

    /// <inheritdoc />
    public IReadOnlyList<int>? Labels { get; }

    /// <inheritdoc />
    public IReadOnlyList<string>? ClassNames => Source.ClassNames;

    /// <inheritdoc />
    public Tensor GetBatch(ReadOnlySpan<int> indices)
    {
        DatasetChecks.CheckIndices(indices, Count);
        var mapped = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            mapped[i] = _indices[indices[i]];
        return Source.GetBatch(mapped);
    }
}
