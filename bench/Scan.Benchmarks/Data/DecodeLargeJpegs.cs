using System.Diagnostics;
using System.Globalization;
using Scan.Benchmarks.Mining;
using Scan.Core.Data;
using SkiaSharp;
using static Scan.Benchmarks.Shared.ComparisonSupport;

namespace Scan.Benchmarks.Data;

/// <summary>
/// Decoding a folder of large photos to a small input size (issue 16): the library's path
/// (<see cref="ImageFolderDataset.Load(string, ImageFolderOptions)"/>, where a JPEG is decoded at the smallest n/8
/// scale that still covers the target) against the path the library took before (every image decoded at full size,
/// turned upright, then cropped and resized), written here with SkiaSharp as the old code did. Both in the same
/// command, in parallel over the cores, with the same crop, filter and EXIF handling; each pass runs in a fresh child
/// process of this program, so its peak resident memory (VmHWM) is its own; reports images/s and peak RSS of each,
/// and checks that the two give nearly the same pixels.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- decode-large-jpegs [--folder DIR]
/// [--images 200] [--width 4000] [--height 3000] [--side 32] [--rounds 2] [--parallel -1] [--keep]</c>; --parallel is
/// ImageFolderOptions.MaxDegreeOfParallelism for both paths. The folder is written first
/// (photo-like: gradients, shapes and sensor-like noise, JPEG quality 90; one image in four carries EXIF orientation 6,
/// one in eight orientation 8 and one in eight orientation 3, as a phone writes them) unless it already holds the
/// requested images; it is deleted at the end unless <c>--keep</c>. Passes alternate (scaled, full, scaled, full…) so
/// both see the same page cache and machine load.
/// </remarks>
public sealed class DecodeLargeJpegs : IComparison
{
    public string Name => "decode-large-jpegs";

    public string Description => "Decode a folder of 12-megapixel JPEGs to 32x32: scaled JPEG decoding vs full size then resize (img/s, peak RSS)";

    public int Run(string[] args)
    {
        int images = IntOption(args, "--images", 200), width = IntOption(args, "--width", 4000), height = IntOption(args, "--height", 3000);
        int side = IntOption(args, "--side", 32), rounds = IntOption(args, "--rounds", 2);
        int parallel = IntOption(args, "--parallel", -1, minimum: -1);
        string folder = StringOption(args, "--folder", Path.Combine(Path.GetTempPath(), $"scan-large-jpegs-{width}x{height}-{images}"));
        if (!PeakMemory.Available)
            throw new PlatformNotSupportedException("decode-large-jpegs reads peak memory from /proc/self (Linux).");
        if (StringOption(args, "--pass", "") is { Length: > 0 } pass)
            return RunPass(pass, folder, side, parallel, StringOption(args, "--pixels", ""));
        bool keep = args.Contains("--keep");

        var clock = Stopwatch.StartNew();
        var files = LargeJpegFolder.Write(folder, images, width, height);
        long bytes = files.Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"{files.Count} JPEGs of {width}x{height} ({width * (long)height / 1e6:F1} MP, {bytes / 1e6 / files.Count:F1} MB each on average) in {folder}, ready in {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"decoding to {side}x{side} RGB on {Environment.ProcessorCount} cores, MaxDegreeOfParallelism {parallel}, each pass in a fresh child process (peak RSS = its VmHWM); load {LoadAverage()}");

        var results = new Dictionary<string, List<(double Rate, long Peak, long Baseline)>> { ["scaled"] = new(), ["full"] = new() };
        var pixelFiles = new Dictionary<string, string>();
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                foreach (string path in new[] { "scaled", "full" })
                {
                    pixelFiles[path] = Path.Combine(Path.GetTempPath(), $"scan-large-jpegs-{path}-{Environment.ProcessId}.bin");
                    var (seconds, peak, baseline, concurrency) = RunChild(path, folder, side, parallel, pixelFiles[path]);
                    results[path].Add((files.Count / seconds, peak, baseline));
                    Console.WriteLine($"round {round} {path,-6}: {seconds,6:F2} s, {files.Count / seconds,6:F1} img/s, peak RSS {peak / 1048576.0,5:F0} MiB " +
                                      $"({(peak - baseline) / 1048576.0:F0} MiB above the {baseline / 1048576.0:F0} MiB of the started process), up to {concurrency} images at once; load {LoadAverage()}");
                }
            }

            var (meanDiff, maxDiff) = Compare(File.ReadAllBytes(pixelFiles["scaled"]), File.ReadAllBytes(pixelFiles["full"]));
            Console.WriteLine($"pixels, scaled vs full path: mean |difference| {meanDiff:F2}, max {maxDiff} (0-255 scale; the two resample differently)");
            foreach (var (path, list) in results)
            {
                Console.WriteLine($"{path,-6}: median {Median(list.Select(r => r.Rate)):F1} img/s over {list.Count} passes, highest peak RSS {list.Max(r => r.Peak) / 1048576.0:F0} MiB, " +
                                  $"at most {list.Max(r => r.Peak - r.Baseline) / 1048576.0:F0} MiB above the started process");
            }
            Console.WriteLine($"speed-up {Median(results["scaled"].Select(r => r.Rate)) / Median(results["full"].Select(r => r.Rate)):F1}x; load at end {LoadAverage()}");
            if (meanDiff > 8)
            {
                Console.Error.WriteLine("The two paths disagree by more than resampling explains: one of them is not upright or not the same crop.");
                return 1;
            }
            return 0;
        }
        finally
        {
            foreach (string file in pixelFiles.Values)
                File.Delete(file);
            if (!keep)
                Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs one pass in a child process of this program and reads its <c>result</c> line.</summary>
    private static (double Seconds, long Peak, long Baseline, int Concurrency) RunChild(string pass, string folder, int side, int parallel, string pixels)
    {
        string program = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(program) == "dotnet")
            start.ArgumentList.Add(typeof(DecodeLargeJpegs).Assembly.Location);
        foreach (string a in new[] { "decode-large-jpegs", "--pass", pass, "--folder", folder, "--side", side.ToString(CultureInfo.InvariantCulture), "--parallel", parallel.ToString(CultureInfo.InvariantCulture), "--pixels", pixels })
            start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"The {pass} pass exited with {child.ExitCode}: {output}");
        var f = line.Split(' ');
        return (double.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture),
            int.Parse(f[4], CultureInfo.InvariantCulture));
    }

    /// <summary>The child: loads libtorch (both paths, so both start alike), decodes the folder one way, prints
    /// <c>result SECONDS PEAK_BYTES BASELINE_BYTES MOST_IMAGES_AT_ONCE</c>. Images at once are counted by the
    /// progress callback's threads for the library path (an upper bound: threads that have reported and not yet
    /// finished) and exactly for the full-size path.</summary>
    private static int RunPass(string pass, string folder, int side, int parallel, string pixelsFile)
    {
        using (var warm = TorchSharp.torch.zeros(1))
            _ = warm.sum().item<float>();
        long baseline = PeakMemory.ResidentBytes;
        var clock = Stopwatch.StartNew();
        byte[] pixels;
        int concurrency;
        if (pass == "scaled")
        {
            var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            var progress = new SynchronousProgress(() => threads[Environment.CurrentManagedThreadId] = true);
            using var dataset = ImageFolderDataset.Load(folder, new ImageFolderOptions { Height = side, Width = side, MaxDegreeOfParallelism = parallel }, progress);
            concurrency = threads.Count;
            using var all = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
            pixels = all.bytes.ToArray();
        }
        else if (pass == "full")
        {
            var files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray();
            (pixels, concurrency) = FullSizeThenResize.DecodeAll(files, side, side, parallel);
        }
        else
        {
            throw new ArgumentException($"--pass must be scaled or full, not '{pass}'.");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (pixelsFile.Length > 0)
            File.WriteAllBytes(pixelsFile, pixels);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {seconds} {PeakMemory.PeakResidentBytes} {baseline} {concurrency}"));
        return 0;
    }

    private static (double Mean, int Max) Compare(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
            throw new InvalidOperationException($"The two paths decoded {a.Length} and {b.Length} bytes.");
        long sum = 0;
        int max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            sum += d;
            max = Math.Max(max, d);
        }
        return (sum / (double)a.Length, max);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

/// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SynchronousProgress(Action report) : IProgress<ImageProgress>
{
    public void Report(ImageProgress value) => report();
}

/// <summary>
/// The decoding path before scaled JPEG decoding (commit 8078705's parent): decode at full size, apply the EXIF
/// orientation, take the centred crop of the target's aspect ratio, resize with bilinear filtering over mipmaps.
/// </summary>
internal static class FullSizeThenResize
{
    /// <summary>Decodes every file as ImageFolderDataset's loop does; also returns the most decodes that ran at once.</summary>
    public static (byte[] Pixels, int MostAtOnce) DecodeAll(IReadOnlyList<string> files, int height, int width, int parallel = -1)
    {
        int imageBytes = 3 * height * width, running = 0, most = 0;
        var pixels = new byte[files.Count * imageBytes];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
        {
            int now = Interlocked.Increment(ref running);
            int seen;
            while (now > (seen = Volatile.Read(ref most)) && Interlocked.CompareExchange(ref most, now, seen) != seen)
            {
            }
            Decode(files[i], height, width, pixels.AsSpan(i * imageBytes, imageBytes));
            Interlocked.Decrement(ref running);
        });
        return (pixels, most);
    }

    private static void Decode(string path, int height, int width, Span<byte> destination)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(File.ReadAllBytes(path)))
                          ?? throw new InvalidDataException($"Cannot decode '{path}'.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) != SKCodecResult.Success)
            throw new InvalidDataException($"Cannot decode '{path}'.");
        using var upright = Orient(bitmap, codec.EncodedOrigin);
        using var resized = CropAndResize(upright, height, width);
        PlanarPixels.Write(resized, ColorMode.Rgb, destination);
    }

    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or < SKEncodedOrigin.TopLeft or > SKEncodedOrigin.LeftBottom)
            return bitmap;
        int w = bitmap.Width, h = bitmap.Height;
        bool swap = origin >= SKEncodedOrigin.LeftTop;
        int outW = swap ? h : w, outH = swap ? w : h;
        var oriented = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bitmap.GetPixelSpan());
        var target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(oriented.GetPixelSpan());
        for (int y = 0; y < outH; y++)
        for (int x = 0; x < outW; x++)
        {
            var (sx, sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y),
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                SKEncodedOrigin.LeftTop => (y, x),
                SKEncodedOrigin.RightTop => (y, h - 1 - x),
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            target[y * outW + x] = source[sy * w + sx];
        }
        bitmap.Dispose();
        return oriented;
    }

    private static SKBitmap CropAndResize(SKBitmap bitmap, int height, int width)
    {
        long cropWidth = bitmap.Width, cropHeight = bitmap.Height;
        if ((long)bitmap.Width * height > (long)bitmap.Height * width)
            cropWidth = Math.Max(1, (long)bitmap.Height * width / height);
        else if ((long)bitmap.Width * height < (long)bitmap.Height * width)
            cropHeight = Math.Max(1, (long)bitmap.Width * height / width);
        using var cropped = new SKBitmap();
        int left = (int)((bitmap.Width - cropWidth) / 2), top = (int)((bitmap.Height - cropHeight) / 2);
        if (!bitmap.ExtractSubset(cropped, new SKRectI(left, top, left + (int)cropWidth, top + (int)cropHeight)))
            throw new InvalidOperationException("Crop failed.");
        return cropped.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                   new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
               ?? throw new InvalidOperationException("Resize failed.");
    }
}

/// <summary>
/// Writes the benchmark's folder of photo-like JPEGs: a diagonal colour gradient, a few large soft-edged discs and
/// bars, and noise of up to 7 grey levels (what a phone sensor leaves at base ISO), quality 90. Seeded
/// per image, so the folder is the same every time. EXIF orientation as in <see cref="DecodeLargeJpegs"/>.
/// </summary>
internal static class LargeJpegFolder
{
    public static IReadOnlyList<string> Write(string folder, int images, int width, int height)
    {
        Directory.CreateDirectory(folder);
        var files = Enumerable.Range(0, images).Select(i => Path.Combine(folder, $"photo{i:D4}.jpg")).ToArray();
        Parallel.For(0, images, i =>
        {
            if (File.Exists(files[i]))
                return;
            byte[] jpeg = WithOrientation(Encode(i, width, height), OrientationOf(i));
            string temporary = files[i] + ".tmp";
            File.WriteAllBytes(temporary, jpeg);
            File.Move(temporary, files[i], overwrite: true);
        });
        return files;
    }

    /// <summary>EXIF orientation of image <paramref name="index"/>: 6 for one in four, 8 and 3 for one in eight each, else 1.</summary>
    public static ushort OrientationOf(int index) => (index % 8) switch { 1 or 5 => 6, 3 => 8, 7 => 3, _ => 1 };

    private static byte[] Encode(int index, int width, int height)
    {
        var random = new Random(index);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        {
            SKColor Colour() => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [Colour(), Colour(), Colour()], SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, background);
            using var shape = new SKPaint { IsAntialias = true, MaskFilter = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, width / 200f) };
            for (int s = 0; s < 6; s++)
            {
                shape.Color = Colour().WithAlpha((byte)random.Next(120, 255));
                float x = random.NextSingle() * width, y = random.NextSingle() * height, r = (0.05f + random.NextSingle() * 0.2f) * width;
                if (s % 2 == 0)
                    canvas.DrawCircle(x, y, r, shape);
                else
                    canvas.DrawRect(x - r, y - r / 4, 2 * r, r / 2, shape);
            }
        }

        // Sensor-like noise: the sum of two uniform draws (a triangle distribution), -7 to +7 grey levels.
        var pixels = bitmap.GetPixelSpan();
        Span<byte> noise = stackalloc byte[4096];
        for (int start = 0; start < pixels.Length; start += noise.Length)
        {
            random.NextBytes(noise);
            var chunk = pixels.Slice(start, Math.Min(noise.Length, pixels.Length - start));
            for (int k = 0; k < chunk.Length; k++)
            {
                if ((k & 3) == 3)
                    continue; // alpha
                int n = (noise[k] & 7) + (noise[k] >> 5) - 7;
                chunk[k] = (byte)Math.Clamp(chunk[k] + n, 0, 255);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>Inserts an APP1 EXIF segment declaring <paramref name="orientation"/> after the SOI marker (none for 1).</summary>
    private static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        if (orientation == 1)
            return jpeg;
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,
            0, 1,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,
        ];
        byte[] exif = [.. "Exif\0\0"u8, .. tiff];
        int length = exif.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }
}
