using System.Globalization;
using System.Security.Cryptography;
using Scan.Core.Data;
using static TorchSharp.torch;

namespace Scan.ReliabilityHost;

/// <summary>
/// The <c>image-folder</c> mode: loads an image folder (through the decoded-image cache unless <c>--no-cache</c>),
/// reads every image back in batches of 256 as a training epoch would, and prints one line
/// <c>image-folder outcome decodedFiles count channels sha256 loadPeakKiB peakKiB</c>: the cache outcome, the files
/// decoded by this load, the images, their channels, the SHA-256 of every image's bytes in order, and the process's
/// peak resident memory (VmHWM from /proc/self/status, in KiB; 0 where there is none) once loaded (before the first
/// batch loads libtorch) and at the end.
/// </summary>
internal static class ImageFolderLoad
{
    public static void Run(HostSettings settings, TextWriter output)
    {
        string folder = settings.ImageFolder ?? throw new ArgumentException("image-folder needs --folder.");
        var options = new ImageFolderOptions
        {
            Height = settings.Side,
            Width = settings.Side,
            DetectGrayscale = true,
            SkipUndecodable = true,
            UseCache = !settings.NoCache,
            CacheDirectory = settings.CacheDirectory,
        };
        using var dataset = ImageFolderDataset.Load(folder, options);
        long afterLoad = PeakResidentKiB();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        const int batch = 256;
        for (int start = 0; start < dataset.Count; start += batch)
        {
            int[] indices = Enumerable.Range(start, Math.Min(batch, dataset.Count - start)).ToArray();
            using var bytes = dataset.GetBytes(indices);
            hash.AppendData(bytes.bytes);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"image-folder {dataset.Cache.Outcome} {dataset.Cache.DecodedFiles} {dataset.Count} {dataset.Channels} {Convert.ToHexStringLower(hash.GetHashAndReset())} {afterLoad} {PeakResidentKiB()}"));
    }

    /// <summary>VmHWM from /proc/self/status in KiB, or 0 where there is no such file.</summary>
    public static long PeakResidentKiB()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return 0;
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
