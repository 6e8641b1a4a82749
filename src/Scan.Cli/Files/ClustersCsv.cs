using System.Globalization;
using System.Text;

namespace Scan.Cli.Files;

/// <summary>clusters.csv (RFC 4180): a header, then per image its file, cluster, the cluster's name (empty when the
/// cluster has none) and the model's confidence.</summary>
internal static class ClustersCsv
{
    public const string Header = "file,cluster,name,confidence";

    /// <summary>The CSV text; file names are made relative to <paramref name="root"/> when they lie inside it, so
    /// the CSV survives moving the folder.</summary>
    public static string Format(string? root, IReadOnlyList<string> files, IReadOnlyList<int> clusters,
        IReadOnlyList<float> confidences, IReadOnlyList<string>? names)
    {
        var text = new StringBuilder(Header).Append("\r\n");
        for (int i = 0; i < files.Count; i++)
        {
            string file = root is null ? files[i] : Path.GetRelativePath(root, files[i]);
            int cluster = clusters[i];
            text.Append(Quote(file)).Append(',')
                .Append(cluster.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Quote(NameOf(names, cluster))).Append(',')
                .Append(confidences[i].ToString("0.0000", CultureInfo.InvariantCulture)).Append("\r\n");
        }
        return text.ToString();
    }

    public static string NameOf(IReadOnlyList<string>? names, int cluster) =>
        names is not null && cluster >= 0 && cluster < names.Count ? names[cluster] : "";

    /// <summary>RFC 4180 section 2: a field with a comma, quote or line break is enclosed in quotes, quotes doubled.</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
