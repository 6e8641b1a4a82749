using System.Globalization;
using System.Text;

namespace Scan.Samples.ImageFolder;

/// <summary>Writes the cluster of every image as CSV (RFC 4180): a header, then file, cluster, confidence.</summary>
internal static class AssignmentsCsv
{
    /// <summary>The CSV text; <paramref name="root"/> makes file names relative, so the CSV survives moving the folder.</summary>
    public static string Format(string root, IReadOnlyList<string> files, IReadOnlyList<int> clusters, IReadOnlyList<float> confidences)
    {
        var text = new StringBuilder("file,cluster,confidence\r\n");
        for (int i = 0; i < files.Count; i++)
        {
            text.Append(Quote(Path.GetRelativePath(root, files[i]))).Append(',')
                .Append(clusters[i].ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(confidences[i].ToString("0.0000", CultureInfo.InvariantCulture)).Append("\r\n");
        }
        return text.ToString();
    }

    /// <summary>RFC 4180 section 2: a field with a comma, quote or line break is enclosed in quotes, and quotes are doubled.</summary>
    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
