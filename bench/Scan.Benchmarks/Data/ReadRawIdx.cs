using System.Diagnostics;
using System.Globalization;
using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Data;

/// <summary>
/// How fast batches come out of a raw (uncompressed) IDX file, the way training reads them: shuffled indices,
/// float32 batches from <see cref="IImageDataset.GetBatch"/>. Measures the cost of reading pixels from the file
/// with positional reads (issue 18.1: a memory map turned a file truncated mid-run into SIGBUS) against the page
/// cache; run the same command on a commit before the change for the memory-mapped figure.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- read-raw-idx [--images 60000] [--side 28]
/// [--batch 256] [--rounds 7]</c>. Writes a file of random pixels to the temp folder (deleted at the end); round 1
/// is cold for the process, the median is over all rounds.
/// </remarks>
public sealed class ReadRawIdx : IComparison
{
    public string Name => "read-raw-idx";

    public string Description => "Read a raw IDX file as shuffled float batches (pixels from the file per batch): images/s";

    public int Run(string[] args)
    {
        int images = 60_000, side = 28, batchSize = 256, rounds = 7;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--images": images = value; break;
                case "--side": side = value; break;
                case "--batch": batchSize = value; break;
                case "--rounds": rounds = value; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'; expected --images, --side, --batch or --rounds.");
            }
        }

        string path = Path.Combine(Path.GetTempPath(), $"scan-bench-{Environment.ProcessId}.idx");
        try
        {
            var pixels = new byte[16 + (long)images * side * side];
            new Random(1).NextBytes(pixels);
            static void Int(byte[] b, int at, int v) { b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v; }
            Int(pixels, 0, 0x803); Int(pixels, 4, images); Int(pixels, 8, side); Int(pixels, 12, side);
            File.WriteAllBytes(path, pixels);

            using var dataset = IdxDataset.Open(path);
            var order = Enumerable.Range(0, images).ToArray();
            new Random(2).Shuffle(order);
            Console.WriteLine($"{images} images of {side}x{side} (raw IDX, page cache warm), shuffled float batches of {batchSize}, torch threads {get_num_threads()}, load {LoadAverage()}");
            var rates = new List<double>();
            for (int round = 1; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                long read = 0;
                for (int start = 0; start < images; start += batchSize)
                {
                    using var batch = dataset.GetBatch(order.AsSpan(start, Math.Min(batchSize, images - start)));
                    read += batch.shape[0];
                }
                double seconds = clock.Elapsed.TotalSeconds;
                rates.Add(read / seconds);
                Console.WriteLine($"round {round}: {seconds:F3} s, {read / seconds:N0} images/s");
            }
            rates.Sort();
            Console.WriteLine($"median {rates[rates.Count / 2]:N0} images/s over {rounds} rounds; load at end {LoadAverage()}");
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
