using System.Globalization;
using System.Text.Json;
using Scan.Core.IO;
using Scan.Core.Training;
using Scan.ReliabilityHost;
using TorchSharp;

// The child process of tests/Scan.Tests/Reliability: see HostSettings for the command line. Exit code 0 on
// success, 1 on an error (message on stderr), 2 on a bad command line.
HostSettings settings;
try
{
    settings = HostSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

try
{
    if (settings.Mode == "write-loop")
    {
        WriteLoop.Run(settings.WriteDirectory ?? throw new ArgumentException("write-loop needs --dir."),
            settings.Megabytes, settings.Writes, Console.Out);
        return 0;
    }
    if (settings.Mode == "image-folder")
    {
        ImageFolderLoad.Run(settings, Console.Out);
        return 0;
    }
    if (settings.Mode == "decode")
        return DecodeImages.Run(settings, Console.Out);
    if (settings.Mode == "blocks")
    {
        ThreadBlocks.Write(settings.OutFile ?? throw new ArgumentException("blocks needs --out."),
            ThreadBlocks.Run(settings.Threads > 0 ? settings.Threads : throw new ArgumentException("blocks needs --threads.")));
        Console.Out.WriteLine($"blocks written with {torch.get_num_threads()} threads");
        return 0;
    }
    var summary = await TinyRun.RunAsync(settings, settings.Progress ? new ProgressLines(Console.Out) : null);
    Console.Out.WriteLine("summary " + JsonSerializer.Serialize(summary, new JsonSerializerOptions(ScanJson.Options) { WriteIndented = false }));
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine(e);
    return 1;
}

/// <summary>One line per report, written on the reporting thread: <c>progress Stage epoch step steps done</c>.</summary>
internal sealed class ProgressLines(TextWriter output) : IProgress<ScanProgress>
{
    public void Report(ScanProgress value) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"progress {value.Stage} {value.Epoch} {value.Step} {value.StepsPerEpoch} {(value.EpochCompleted ? 1 : 0)}"));
}
