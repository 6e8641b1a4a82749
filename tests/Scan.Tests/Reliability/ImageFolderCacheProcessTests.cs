using System.Globalization;
using Scan.Core.Data;
using Scan.ReliabilityHost;
using Scan.Tests.Data;
using SkiaSharp;
using Xunit.Abstractions;
using static Scan.Tests.Imaging.ImageFileWriters;

namespace Scan.Tests.Reliability;

/// <summary>
/// A folder of 20,000 tiny images decoded to 64x64 RGB (240 MiB of pixels) in a child process
/// (<c>tests/Scan.ReliabilityHost image-folder</c>) that then reads every image back in batches of 256, with its peak
/// resident memory (VmHWM) as the measure, against the same host loading a 100-image folder: through the cache the
/// load stays within <see cref="LoadBoundMiB"/> of it and the whole run (libtorch, loaded by the first batch, is
/// about 125 MiB of it) within <see cref="PeakBoundMiB"/>; decoding into memory, the only way before the cache,
/// exceeds both by far.
/// </summary>
public sealed class ImageFolderCacheProcessTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Images in the generated folder.</summary>
    public const int Images = 20_000;

    /// <summary>The side they are decoded to: 64x64x3 bytes each, 240 MiB in all.</summary>
    private const int Side = 64;

    /// <summary>Peak resident memory the load of the 20,000 images through the cache may take above that of a
    /// 100-image folder, in MiB: the decoder's 8 MiB chunk, the file list and manifest, garbage of 20,000 decodes awaiting a collection (42 MiB in all, measured), far below the 240 MiB of pixels.</summary>
    public const int LoadBoundMiB = 64;

    /// <summary>As <see cref="LoadBoundMiB"/> for the whole run, every image read back in batches of 256 (batch
    /// tensors and allocator slack added).</summary>
    public const int PeakBoundMiB = 96;

    private readonly TempFolder _images = new();
    private readonly TempFolder _small = new();
    private readonly TempFolder _cache = new();

    public void Dispose()
    {
        _images.Dispose();
        _small.Dispose();
        _cache.Dispose();
    }

    private sealed record Load(ImageFolderCacheOutcome Outcome, int DecodedFiles, int Count, int Channels, string Sha256, long LoadPeakKiB, long PeakKiB)
    {
        public double LoadPeakMiB => LoadPeakKiB / 1024.0;
        public double PeakMiB => PeakKiB / 1024.0;
    }

    private async Task<Load> RunHost(bool noCache = false, string? folder = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var host = HostProcess.Start(new HostSettings
        {
            Mode = "image-folder", ImageFolder = folder ?? _images.Path, CacheDirectory = _cache.Path, NoCache = noCache, Side = Side,
        });
        int exit = await host.WaitForExitAsync();
        exit.Should().Be(0, $"the host must finish.{host.Describe()}");
        string line = host.Seen.Single(l => l.StartsWith("image-folder ", StringComparison.Ordinal));
        string[] f = line.Split(' ');
        var load = new Load(Enum.Parse<ImageFolderCacheOutcome>(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture),
            int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture), f[5], long.Parse(f[6], CultureInfo.InvariantCulture),
            long.Parse(f[7], CultureInfo.InvariantCulture));
        output.WriteLine($"{(noCache ? "no cache" : "cache"),-9} {load.Outcome,-14} decoded {load.DecodedFiles,6}  images {load.Count,6}  peak RSS after load {load.LoadPeakMiB:F0} MiB, at the end {load.PeakMiB:F0} MiB  {clock.Elapsed.TotalSeconds:F1} s");
        return load;
    }

    [Fact]
    public async Task Twenty_thousand_images_load_through_the_cache_under_the_memory_bound_reuse_it_and_rebuild_it_when_a_file_changes()
    {
        if (!OperatingSystem.IsLinux())
            return;   // VmHWM is Linux's
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Parallel.For(0, Images, i =>
        {
            byte[] png = Encode(SKEncodedImageFormat.Png, 8, 8, (x, y) => ((byte)(i * 7 + x), (byte)((i >> 3) + 16 * y), (byte)(i * 13 + x * y)));
            File.WriteAllBytes(_images.File($"c{i % 4}/{i:D5}.png"), png);
            if (i < 100)
                File.WriteAllBytes(_small.File($"c{i % 4}/{i:D5}.png"), png);
        });
        output.WriteLine($"wrote {Images} PNGs in {clock.Elapsed.TotalSeconds:F1} s");

        var baseline = await RunHost(folder: _small.Path);
        double loadBound = baseline.LoadPeakMiB + LoadBoundMiB, bound = baseline.PeakMiB + PeakBoundMiB;
        output.WriteLine($"bounds: load {baseline.LoadPeakMiB:F0} + {LoadBoundMiB} = {loadBound:F0} MiB, run {baseline.PeakMiB:F0} + {PeakBoundMiB} = {bound:F0} MiB");
        var inMemory = await RunHost(noCache: true);
        var first = await RunHost();
        var second = await RunHost();

        inMemory.Outcome.Should().Be(ImageFolderCacheOutcome.Disabled);
        first.Outcome.Should().Be(ImageFolderCacheOutcome.Created);
        first.DecodedFiles.Should().Be(Images);
        second.Outcome.Should().Be(ImageFolderCacheOutcome.Reused, "the second load must read the cache");
        second.DecodedFiles.Should().Be(0);
        new[] { first, second }.Should().OnlyContain(l => l.Count == Images && l.Channels == 3 && l.Sha256 == inMemory.Sha256,
            "every image read back from the cache is the decoded image");
        first.LoadPeakMiB.Should().BeLessThan(loadBound, "decoding into the cache keeps only a chunk in memory");
        second.LoadPeakMiB.Should().BeLessThan(loadBound, "opening the cache reads no pixels into memory");
        first.PeakMiB.Should().BeLessThan(bound);
        second.PeakMiB.Should().BeLessThan(bound, "reading from the cache keeps only a batch in memory");
        inMemory.LoadPeakMiB.Should().BeGreaterThan(loadBound + 150, "holding every image takes 240 MiB, so the bound can fail");
        inMemory.PeakMiB.Should().BeGreaterThan(bound + 150);

        // One file rewritten with other pixels: the cache is rebuilt and the change is visible.
        File.WriteAllBytes(_images.File("c1/00001.png"), Encode(SKEncodedImageFormat.Png, 9, 9, (_, _) => (1, 2, 3)));
        var changed = await RunHost();
        changed.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale);
        changed.Sha256.Should().NotBe(second.Sha256);
        changed.LoadPeakMiB.Should().BeLessThan(loadBound);
        changed.PeakMiB.Should().BeLessThan(bound);
        // (Damaged caches, eight kinds of damage, are in DecodedImageCacheTests, in this process.)
    }
}
