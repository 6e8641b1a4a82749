using System.Globalization;
using System.Text.RegularExpressions;
using Scan.Cli.Output;

namespace Scan.Cli.Commands;

/// <summary>`scan name MODEL 0=sandal 3=coat ...`: stores names for clusters in the model file (atomically), so
/// `scan predict` and the CSVs show them. Clusters not named keep the name they had ("cluster N" when they had none).</summary>
internal static partial class NameCommand
{
    [GeneratedRegex(@"^(?<cluster>\d+)=(?<name>.*)$", RegexOptions.Singleline)]
    private static partial Regex Assignment();

    public static int Run(FileInfo modelFile, IReadOnlyList<string> assignments)
    {
        string path = modelFile.FullName;
        if (Directory.Exists(path))
            path = Path.Combine(path, "model.scan");
        using var model = PredictCommand.LoadModel(path);
        int k = model.Info.Clusters;
        // Every cluster needs a name once any has one (ScanModel.SetClusterNames): unnamed ones are "cluster N".
        var names = Enumerable.Range(0, k).Select(c => model.Info.ClusterNames is { } known ? known[c] : $"cluster {c}").ToArray();
        foreach (string assignment in assignments)
        {
            var match = Assignment().Match(assignment);
            if (!match.Success)
                throw new CliError($"'{assignment}' is not CLUSTER=NAME (e.g. 3=coat).");
            if (!int.TryParse(match.Groups["cluster"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int cluster) || cluster >= k)
                throw new CliError($"'{assignment}' names cluster {match.Groups["cluster"].Value}, but the model has clusters 0 to {k - 1}.");
            string name = match.Groups["name"].Value.Trim();
            if (name.Length == 0)
                throw new CliError($"'{assignment}' gives cluster {cluster} an empty name.");
            if (name.Any(char.IsControl))
                throw new CliError($"'{assignment}': a name cannot hold line breaks or other control characters.");
            names[cluster] = name;
        }

        model.SetClusterNames(names);
        try
        {
            model.Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"cannot write '{path}': {e.Message}", e);
        }
        CliConsole.Line($"Wrote {path}: " + string.Join(", ", names.Select((n, c) => $"{c}={n}")));
        return ExitCodes.Success;
    }
}
