using System.Diagnostics;
using System.Globalization;
using Scan.Core.Data;
using SkiaSharp;

namespace Scan.Benchmarks.Data;

/// <summary>
/// How fast an image folder of ordinary images decodes (<see cref="ImageFolderDataset.Load(string, ImageFolderOptions)"/>
/// to 32x32): the cost of issue 18's checks on the normal path (each file is checked to be a non-empty regular file
/// before it is opened; images above 2048x2048 take a bounded-memory path, which these never reach). Run the same
/// command on a commit before the change, alternating, for the comparison.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- decode-image-folder [--images 3000] [--rounds 5]</c>.
/// Writes a folder of PNG (64x48), JPEG (320x240), WebP (96x96) and BMP (40x40) files, one kind in four each, to
/// the temp folder (deleted at the end); round 1 is cold for the process, the median is over all rounds.
/// </remarks>
public sealed class DecodeImageFolder : IComparison
{
    public string Name => "decode-image-folder";

    public string Description => "Decode a folder of ordinary PNG/JPEG/WebP/BMP files to 32x32: images/s";

    public int Run(string[] args)
    {
        int images = 3000, rounds = 5;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--images": images = value; break;
                case "--rounds": rounds = value; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'; expected --images or --rounds.");
            }
        }

        string root = Path.Combine(Path.GetTempPath(), $"scan-bench-folder-{Environment.ProcessId}");
        try
        {
            var kinds = new (SKEncodedImageFormat Format, string Extension, int Width, int Height)[]
            {
                (SKEncodedImageFormat.Png, ".png", 64, 48), (SKEncodedImageFormat.Jpeg, ".jpg", 320, 240),
                (SKEncodedImageFormat.Webp, ".webp", 96, 96), (SKEncodedImageFormat.Bmp, ".bmp", 40, 40),
            };
            var random = new Random(1);
            for (int i = 0; i < images; i++)
            {
                var kind = kinds[i % kinds.Length];
                string folder = Directory.CreateDirectory(Path.Combine(root, $"class{i % 3}")).FullName;
                using var bitmap = new SKBitmap(new SKImageInfo(kind.Width, kind.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                var pixels = bitmap.GetPixelSpan();
                random.NextBytes(pixels);
                for (int p = 3; p < pixels.Length; p += 4)
                    pixels[p] = 255;
                string path = Path.Combine(folder, $"{i:D6}{kind.Extension}");
                if (kind.Format == SKEncodedImageFormat.Bmp)
                    WriteBmp(path, bitmap);
                else
                {
                    using var image = SKImage.FromBitmap(bitmap);
                    using var data = image.Encode(kind.Format, 90);
                    File.WriteAllBytes(path, data.ToArray());
                }
            }

            var options = new ImageFolderOptions { Height = 32, Width = 32 };
            Console.WriteLine($"{images} images (PNG 64x48, JPEG 320x240, WebP 96x96, BMP 40x40) to 32x32, {Environment.ProcessorCount} decoding threads, load {LoadAverage()}");
            var rates = new List<double>();
            for (int round = 1; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                using var dataset = ImageFolderDataset.Load(root, options);
                double seconds = clock.Elapsed.TotalSeconds;
                rates.Add(dataset.Count / seconds);
                Console.WriteLine($"round {round}: {seconds:F3} s, {dataset.Count / seconds:N0} images/s");
            }
            rates.Sort();
            Console.WriteLine($"median {rates[rates.Count / 2]:N0} images/s over {rounds} rounds; load at end {LoadAverage()}");
            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A 24-bit bottom-up BMP (SkiaSharp does not encode BMP).</summary>
    private static void WriteBmp(string path, SKBitmap bitmap)
    {
        int width = bitmap.Width, height = bitmap.Height, stride = (width * 3 + 3) / 4 * 4;
        using var file = new BinaryWriter(File.Create(path));
        file.Write((byte)'B');
        file.Write((byte)'M');
        foreach (int v in new[] { 54 + stride * height, 0, 54, 40, width, height })
            file.Write(v);
        file.Write((short)1);
        file.Write((short)24);
        foreach (int v in new[] { 0, stride * height, 2835, 2835, 0, 0 })
            file.Write(v);
        var pixels = bitmap.GetPixelSpan();
        var row = new byte[stride];
        for (int y = height - 1; y >= 0; y--)
        {
            for (int x = 0; x < width; x++)
                (row[3 * x], row[3 * x + 1], row[3 * x + 2]) = (pixels[(y * width + x) * 4 + 2], pixels[(y * width + x) * 4 + 1], pixels[(y * width + x) * 4]);
            file.Write(row);
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
