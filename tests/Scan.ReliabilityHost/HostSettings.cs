using System.Globalization;

namespace Scan.ReliabilityHost;

/// <summary>
/// The command line of the host. <c>pipeline</c> runs a tiny SCAN pipeline (every stage) and prints one
/// <c>progress …</c> line per training step and a final <c>summary {json}</c> line; <c>write-loop</c> rewrites a
/// large checksummed file and a JSON file through <see cref="Scan.Core.IO.AtomicFile"/> until killed; <c>decode</c>
/// decodes an image folder (<c>--dir</c>) or one file (<c>--file</c>) to <c>--size</c> square pixels with <c>--threads</c>
/// decoding threads and prints <c>decoded {count} {base64 of the pixels}</c> and <c>vmhwm {peak RSS in kB}</c>, or the
/// exception as <c>error {type} {message}</c> (exit code 1); <c>blocks</c>
/// computes every building block on fixed inputs (<see cref="ThreadBlocks"/>) and writes the results to <c>--out</c>.
/// <c>image-folder</c> loads an image folder and reads every image (<see cref="ImageFolderLoad"/>).
/// </summary>
/// <example>
/// <code>
/// dotnet Scan.ReliabilityHost.dll pipeline --run /tmp/run --seed 3 --progress
/// dotnet Scan.ReliabilityHost.dll write-loop --dir /tmp/writes --megabytes 4
/// dotnet Scan.ReliabilityHost.dll decode --dir /tmp/huge --size 32 --threads 4
/// dotnet Scan.ReliabilityHost.dll blocks --threads 1 --out /tmp/blocks-1.bin
/// dotnet Scan.ReliabilityHost.dll image-folder --folder /tmp/images --cache-dir /tmp/cache --side 64
/// </code>
/// </example>
public sealed record HostSettings
{
    /// <summary><c>pipeline</c>, <c>write-loop</c>, <c>decode</c>, <c>blocks</c> or <c>image-folder</c>.</summary>
    public string Mode { get; init; } = "pipeline";

    /// <summary>Run directory of the pipeline (resumed if it exists), or null to run in memory.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>The pipeline seed.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Synthetic images per class (4 classes of 16x16 grey images).</summary>
    public int PerClass { get; init; } = 64;

    /// <summary>SimCLR epochs.</summary>
    public int PretextEpochs { get; init; } = 3;

    /// <summary>SCAN clustering epochs.</summary>
    public int ClusteringEpochs { get; init; } = 3;

    /// <summary>Self-labelling epochs.</summary>
    public int SelfLabelEpochs { get; init; } = 3;

    /// <summary>Train only the cluster heads on cached features (the FashionMnistQuick way) instead of the whole network.</summary>
    public bool HeadsOnly { get; init; }

    /// <summary>Self-labelling keeps an exponential moving average of the weights.</summary>
    public bool Ema { get; init; }

    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Print a <c>progress</c> line for every step and epoch.</summary>
    public bool Progress { get; init; }

    /// <summary>pipeline: read the images from IDX files in this folder (written if missing) instead of memory.</summary>
    public string? IdxDirectory { get; init; }

    /// <summary>blocks: the file the results are written to.</summary>
    public string? OutFile { get; init; }

    /// <summary>write-loop: the folder of the files.</summary>
    public string? WriteDirectory { get; init; }

    /// <summary>write-loop: size of the checksummed file's payload.</summary>
    public int Megabytes { get; init; } = 4;

    /// <summary>write-loop: stop after this many versions (0: until killed).</summary>
    public int Writes { get; init; }

    /// <summary>decode: the image file.</summary>
    public string? ImageFile { get; init; }

    /// <summary>decode: the side of the square output.</summary>
    public int Size { get; init; } = 32;

    /// <summary>image-folder: the folder of images.</summary>
    public string? ImageFolder { get; init; }

    /// <summary>image-folder: the cache folder (null: the user's cache folder).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>image-folder: decode into memory, without the cache.</summary>
    public bool NoCache { get; init; }

    /// <summary>image-folder: the side every image is resized to.</summary>
    public int Side { get; init; } = 32;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option or a missing value.</exception>
    public static HostSettings Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not ("pipeline" or "write-loop" or "decode" or "blocks" or "image-folder"))
            throw new ArgumentException("Usage: Scan.ReliabilityHost pipeline|write-loop|decode|blocks|image-folder [options]; see HostSettings.");
        var s = new HostSettings { Mode = args[0] };
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            s = name switch
            {
                "--run" => s with { RunDirectory = Value() },
                "--seed" => s with { Seed = long.Parse(Value(), CultureInfo.InvariantCulture) },
                "--per-class" => s with { PerClass = Int() },
                "--pretext-epochs" => s with { PretextEpochs = Int() },
                "--clustering-epochs" => s with { ClusteringEpochs = Int() },
                "--selflabel-epochs" => s with { SelfLabelEpochs = Int() },
                "--heads-only" => s with { HeadsOnly = true },
                "--ema" => s with { Ema = true },
                "--threads" => s with { Threads = Int() },
                "--progress" => s with { Progress = true },
                "--dir" => s with { WriteDirectory = Value() },
                "--file" => s with { ImageFile = Value() },
                "--size" => s with { Size = Int() },
                "--out" => s with { OutFile = Value() },
                "--idx" => s with { IdxDirectory = Value() },
                "--megabytes" => s with { Megabytes = Int() },
                "--writes" => s with { Writes = Int() },
                "--folder" => s with { ImageFolder = Value() },
                "--cache-dir" => s with { CacheDirectory = Value() },
                "--no-cache" => s with { NoCache = true },
                "--side" => s with { Side = Int() },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        return s;
    }

    /// <summary>The command line that <see cref="Parse"/> turns back into these settings.</summary>
    public IReadOnlyList<string> ToArguments()
    {
        var a = new List<string> { Mode };
        void Add(string name, object value) => a.AddRange(new[] { name, Convert.ToString(value, CultureInfo.InvariantCulture)! });
        if (Mode == "image-folder")
        {
            Add("--folder", ImageFolder ?? throw new InvalidOperationException("image-folder needs ImageFolder."));
            if (CacheDirectory is not null)
                Add("--cache-dir", CacheDirectory);
            if (NoCache)
                a.Add("--no-cache");
            Add("--side", Side);
            return a;
        }
        if (Mode == "write-loop")
        {
            Add("--dir", WriteDirectory ?? throw new InvalidOperationException("write-loop needs WriteDirectory."));
            Add("--megabytes", Megabytes);
            if (Writes > 0)
                Add("--writes", Writes);
            return a;
        }
        if (Mode == "decode")
        {
            if (WriteDirectory is not null)
                Add("--dir", WriteDirectory);
            if (ImageFile is not null)
                Add("--file", ImageFile);
            Add("--size", Size);
            if (Threads > 0)
                Add("--threads", Threads);
            return a;
        }
        if (Mode == "blocks")
        {
            Add("--threads", Threads);
            Add("--out", OutFile ?? throw new InvalidOperationException("blocks needs OutFile."));
            return a;
        }
        if (RunDirectory is not null)
            Add("--run", RunDirectory);
        Add("--seed", Seed);
        Add("--per-class", PerClass);
        Add("--pretext-epochs", PretextEpochs);
        Add("--clustering-epochs", ClusteringEpochs);
        Add("--selflabel-epochs", SelfLabelEpochs);
        if (HeadsOnly)
            a.Add("--heads-only");
        if (Ema)
            a.Add("--ema");
        if (Threads > 0)
            Add("--threads", Threads);
        if (Progress)
            a.Add("--progress");
        if (IdxDirectory is not null)
            Add("--idx", IdxDirectory);
        return a;
    }
}
