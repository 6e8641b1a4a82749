using Scan.Core.Data;

namespace Scan.ReliabilityHost;

/// <summary>The <c>decode</c> mode: decodes a folder or a file in this small process, so its peak RSS is the decoder's.</summary>
internal static class DecodeImages
{
    public static int Run(HostSettings settings, TextWriter output)
    {
        try
        {
            byte[] pixels;
            int count;
            if (settings.ImageFile is { } file)
            {
                pixels = ImageDecoder.DecodePixels(file, settings.Size, settings.Size);
                count = 1;
            }
            else
            {
                var options = new ImageFolderOptions
                {
                    Height = settings.Size,
                    Width = settings.Size,
                    MaxDegreeOfParallelism = settings.Threads > 0 ? settings.Threads : -1,
                };
                using var dataset = ImageFolderDataset.Load(settings.WriteDirectory ?? throw new ArgumentException("decode needs --dir or --file."), options);
                count = dataset.Count;
                pixels = new byte[count * 3 * settings.Size * settings.Size];
                for (int i = 0; i < count; i++)
                    dataset.Store.CopyStoredBytes(i, pixels.AsSpan(i * 3 * settings.Size * settings.Size, 3 * settings.Size * settings.Size));
            }
            output.WriteLine($"decoded {count} {Convert.ToBase64String(pixels)}");
            output.WriteLine($"vmhwm {PeakRssKilobytes()}");
            return 0;
        }
        catch (Exception e)
        {
            output.WriteLine($"error {e.GetType().FullName} {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    /// <summary>VmHWM from /proc/self/status (Linux), else -1.</summary>
    private static long PeakRssKilobytes()
    {
        if (!File.Exists("/proc/self/status"))
            return -1;
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
