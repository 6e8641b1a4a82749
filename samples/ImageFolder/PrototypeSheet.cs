using Scan.Core.Evaluation;
using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.Samples.ImageFolder;

/// <summary>
/// The prototypes PNG: one row per cluster holding its most confident images (the check SCAN's authors recommend:
/// a human looks at what each cluster gathered). Rows of clusters with fewer images are padded with white.
/// </summary>
internal static class PrototypeSheet
{
    public static void Write(IImageDataset dataset, IReadOnlyList<IReadOnlyList<int>> prototypes, int columns, string path)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        var labels = new List<string>();
        for (int cluster = 0; cluster < prototypes.Count; cluster++)
        {
            var indices = prototypes[cluster].Take(columns).ToArray();
            var row = ones(columns, dataset.Channels, dataset.Height, dataset.Width);
            if (indices.Length > 0)
                row[TensorIndex.Slice(0, indices.Length)] = dataset.GetBatch(indices);
            rows.Add(row);
            labels.Add($"cluster {cluster}");
        }
        // shape: (clusters * columns, C, H, W)
        var sheet = cat(rows, 0);
        int scale = Math.Max(1, 64 / Math.Max(dataset.Height, dataset.Width));
        var grid = new ImageGridOptions { Columns = columns, Scale = scale, RowLabels = labels };
        try
        {
            ImageGrid.WritePng(sheet, path, grid);
        }
        catch (InvalidOperationException)
        {
            // No font installed (minimal containers): rows stay in cluster order 0, 1, ... without their labels.
            ImageGrid.WritePng(sheet, path, grid with { RowLabels = null });
        }
    }
}
