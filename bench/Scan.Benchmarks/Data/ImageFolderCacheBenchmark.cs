using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Scan.Core.Data;
using SkiaSharp;
using static Scan.Benchmarks.Shared.ComparisonSupport;

namespace Scan.Benchmarks.Data;

/// <summary>
/// A folder of many tiny images through <see cref="ImageFolderDataset"/>'s decoded-image cache: peak resident memory
/// and time of the first load (decoding every file into the cache), of the second (from the cache), and of a load
/// without the cache (every image in memory, as before the cache), each in its own child process (VmHWM from
/// /proc/self/status), each followed by a read of every image in batches of 256 as an epoch would.
/// </summary>
/// <remarks>
/// Usage: <c>MALLOC_ARENA_MAX=1 OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project bench/Scan.Benchmarks --
/// image-folder-cache [--images 200000] [--side 32] [--folder /tmp/scan-bench-image-folder]</c>. The folder of 8x8
/// PNGs (four class sub-folders) is generated once and kept for later runs; the cache goes to a fresh folder beside it.
/// </remarks>
public sealed class ImageFolderCacheBenchmark : IComparison
{
    public string Name => "image-folder-cache";

    public string Description => "200,000 tiny images: peak RSS and seconds of the first load (decode into the cache), the second (from the cache) and without the cache";

    public int Run(string[] args)
    {
        int images = IntOption(args, "--images", 200_000);
        int side = IntOption(args, "--side", 32);
        string folder = StringOption(args, "--folder", Path.Combine(Path.GetTempPath(), "scan-bench-image-folder"));
        string cache = folder.TrimEnd('/') + ".cache";
        if (StringOption(args, "--phase", "") is { Length: > 0 } childPhase)
            return Child(folder, cache, side, childPhase == "no-cache");

        var clock = Stopwatch.StartNew();
        int written = Generate(folder, images);
        Console.WriteLine($"{images} PNGs of 8x8 in '{folder}' ({written} written now) in {clock.Elapsed.TotalSeconds:F1} s; decoded to {side}x{side} RGB ({(long)images * side * side * 3 / (1024.0 * 1024):F0} MiB of pixels)");
        if (Directory.Exists(cache))
            Directory.Delete(cache, recursive: true);

        Console.WriteLine($"{"load",-22} {"outcome",-10} {"load s",8} {"read s",8} {"peak RSS after load",20} {"at the end",11}");
        foreach (var (label, phase) in new[] { ("first (decode, write)", "cache"), ("second (from cache)", "cache"), ("without the cache", "no-cache") })
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (string a in new[] { Name, "--folder", folder, "--side", side.ToString(CultureInfo.InvariantCulture), "--phase", phase })
                start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            string line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
            child.WaitForExit();
            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine($"{label}: the child failed (exit {child.ExitCode}): {line}");
                return 1;
            }
            string[] f = line.Split(' ');
            Console.WriteLine($"{label,-22} {f[0],-10} {f[1],8} {f[2],8} {f[3] + " MiB",20} {f[4] + " MiB",11}   sha256 {f[5][..16]}");
        }
        return 0;
    }

    /// <summary>Writes the missing PNGs of the folder (image i has colours from i, in class folder i mod 4).</summary>
    private static int Generate(string folder, int images)
    {
        for (int c = 0; c < 4; c++)
            Directory.CreateDirectory(Path.Combine(folder, $"c{c}"));
        int written = 0;
        Parallel.For(0, images, i =>
        {
            string path = Path.Combine(folder, $"c{i % 4}", $"{i:D6}.png");
            if (File.Exists(path))
                return;
            using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)(i * 7 + x), (byte)((i >> 3) + 16 * y), (byte)((i >> 11) + x * y)));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
            Interlocked.Increment(ref written);
        });
        return written;
    }

    /// <summary>One load and read in this process; prints <c>outcome loadSeconds readSeconds loadPeakMiB peakMiB sha256</c>.</summary>
    private static int Child(string folder, string cache, int side, bool noCache)
    {
        var clock = Stopwatch.StartNew();
        using var dataset = ImageFolderDataset.Load(folder, new ImageFolderOptions
        {
            Height = side, Width = side, UseCache = !noCache, CacheDirectory = cache, SkipUndecodable = true,
        });
        double load = clock.Elapsed.TotalSeconds;
        double loadPeak = PeakMiB();
        clock.Restart();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int start = 0; start < dataset.Count; start += 256)
        {
            using var bytes = dataset.GetBytes(Enumerable.Range(start, Math.Min(256, dataset.Count - start)).ToArray());
            hash.AppendData(bytes.bytes);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Cache.Outcome} {load:F1} {clock.Elapsed.TotalSeconds:F1} {loadPeak:F0} {PeakMiB():F0} {Convert.ToHexStringLower(hash.GetHashAndReset())}"));
        return 0;
    }

    private static double PeakMiB()
    {
        foreach (string line in File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status") : [])
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }
}
