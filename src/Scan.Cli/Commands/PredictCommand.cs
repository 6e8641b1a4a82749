using System.Globalization;
using Scan.Cli.Files;
using Scan.Cli.Output;
using Scan.Core.Data;
using Scan.Core.Inference;

namespace Scan.Cli.Commands;

/// <summary>`scan predict MODEL FILES... [--csv]`: the cluster, its name and the confidence of each image (folders
/// are searched for image files), as a table or as CSV on standard output.</summary>
internal static class PredictCommand
{
    /// <summary>Files decoded and predicted together: bounds the memory for a folder of many large images.</summary>
    private const int Chunk = 256;

    public static int Run(FileInfo modelFile, IReadOnlyList<string> inputs, bool csv)
    {
        using var model = LoadModel(modelFile.FullName);
        var files = Expand(inputs);
        if (files.Count == 0)
            throw new CliError($"no image files ({string.Join(", ", ImageDecoder.SupportedExtensions.Order())}) in {string.Join(", ", inputs)}.");

        var clusters = new List<int>(files.Count);
        var confidences = new List<float>(files.Count);
        for (int start = 0; start < files.Count; start += Chunk)
        {
            ScanPredictions predictions;
            try
            {
                predictions = model.PredictFiles(files.Skip(start).Take(Chunk));
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new CliError(e.Message, e);
            }
            clusters.AddRange(predictions.Clusters);
            confidences.AddRange(predictions.Confidences);
        }

        var names = model.Info.ClusterNames;
        if (csv)
        {
            Console.Out.Write(ClustersCsv.Format(null, files, clusters, confidences, names));
            return ExitCodes.Success;
        }
        CliConsole.Table(["file", "cluster", "name", "confidence"], files.Select<string, IReadOnlyList<string>>((f, i) => new[]
        {
            f, clusters[i].ToString(CultureInfo.InvariantCulture), ClustersCsv.NameOf(names, clusters[i]),
            confidences[i].ToString("0.000", CultureInfo.InvariantCulture),
        }));
        return ExitCodes.Success;
    }

    public static ScanModel LoadModel(string path)
    {
        if (Directory.Exists(path))
        {
            // An --out folder of `scan cluster` holds model.scan.
            string inside = Path.Combine(path, "model.scan");
            if (File.Exists(inside))
                path = inside;
            else
                throw new CliError($"'{path}' is a folder without a model.scan; give the model file.");
        }
        if (!File.Exists(path))
            throw new CliError($"model file '{path}' does not exist.");
        try
        {
            return ScanModel.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new CliError(e.Message, e);
        }
    }

    /// <summary>The files as given, and the image files under each folder given, in ordinal order.</summary>
    private static List<string> Expand(IReadOnlyList<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => ImageDecoder.SupportedExtensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new CliError($"image file '{Path.GetFullPath(input)}' does not exist.");
            }
        }
        return files;
    }
}
