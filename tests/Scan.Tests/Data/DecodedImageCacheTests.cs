using Scan.Core.Data;
using SkiaSharp;
using static Scan.Tests.Imaging.ImageFileWriters;

namespace Scan.Tests.Data;

/// <summary>
/// The decoded-image cache of <see cref="ImageFolderDataset"/>: a load through it gives exactly what decoding without
/// it gives, a second load decodes nothing, and a changed file, a changed setting or a damaged cache is never served.
/// </summary>
public sealed class DecodedImageCacheTests : IDisposable
{
    private readonly TempFolder _images = new();
    private readonly TempFolder _cache = new();

    public void Dispose()
    {
        _images.Dispose();
        _cache.Dispose();
    }

    private ImageFolderOptions Options => new() { Height = 6, Width = 5, SkipUndecodable = true, CacheDirectory = _cache.Path };

    /// <summary>Two classes of small images with a gradient (k sets the colours), and one file that is not an image.</summary>
    private void WriteFolder(int perClass = 12)
    {
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < perClass; i++)
                WriteImage($"{(c == 0 ? "cats" : "dogs")}/{i:D3}.png", 10 * c + i);
        File.WriteAllText(_images.File("dogs/broken.png"), "not a png");
    }

    private void WriteImage(string relative, int k, int side = 7) =>
        File.WriteAllBytes(_images.File(relative), Encode(SKEncodedImageFormat.Png, side, side + 1,
            (x, y) => ((byte)(9 * k + 20 * x), (byte)(200 - 5 * k - 11 * y), (byte)(3 * k + x * y))));

    private static byte[] AllBytes(ImageFolderDataset dataset)
    {
        if (dataset.Count == 0)
            return [];
        using var bytes = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
        return bytes.data<byte>().ToArray();
    }

    private static void ShouldEqualUncached(ImageFolderDataset cached, ImageFolderDataset uncached)
    {
        (cached.Channels, cached.Height, cached.Width, cached.Count).Should().Be((uncached.Channels, uncached.Height, uncached.Width, uncached.Count));
        cached.Files.Should().Equal(uncached.Files);
        cached.Labels.Should().Equal(uncached.Labels);
        cached.ClassNames.Should().Equal(uncached.ClassNames);
        cached.Skipped.Should().Equal(uncached.Skipped);
        AllBytes(cached).Should().Equal(AllBytes(uncached), "pixels read from the cache are the decoded pixels, bit for bit");
        using var a = cached.GetBatch([cached.Count - 1, 0]);
        using var b = uncached.GetBatch([uncached.Count - 1, 0]);
        a.data<float>().ToArray().Should().Equal(b.data<float>().ToArray());
    }

    [Theory]
    [InlineData(ColorMode.Rgb, false)]
    [InlineData(ColorMode.Grayscale, false)]
    [InlineData(ColorMode.Rgb, true)]
    public void Loads_through_the_cache_are_bit_identical_to_decoding_without_it_and_the_second_decodes_nothing(ColorMode mode, bool grayFolder)
    {
        WriteFolder();
        if (grayFolder)
        {
            // Gray pictures saved as RGB: DetectGrayscale makes the dataset one-channel, from the cache's red planes.
            foreach (string file in Directory.GetFiles(_images.Path, "*.png", SearchOption.AllDirectories).Where(f => !f.EndsWith("broken.png")))
            {
                int k = Path.GetFileName(file)[0] - '0' + file.Length;
                File.WriteAllBytes(file, Encode(SKEncodedImageFormat.Png, 7, 8, (x, y) => { byte v = (byte)(10 * x + 17 * y + k); return (v, v, v); }));
            }
        }
        var options = Options with { ColorMode = mode, DetectGrayscale = grayFolder };
        using var uncached = ImageFolderDataset.Load(_images.Path, options with { UseCache = false });
        uncached.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Disabled);
        Directory.GetFiles(_cache.Path).Should().BeEmpty("caching off writes nothing");

        using (var first = ImageFolderDataset.Load(_images.Path, options))
        {
            first.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Created);
            first.Cache.DecodedFiles.Should().Be(25);
            first.Cache.Path.Should().StartWith(_cache.Path);
            ShouldEqualUncached(first, uncached);
        }

        var reports = new List<ImageProgress>();
        using var second = ImageFolderDataset.Load(_images.Path, options, new Scan.Tests.Mining.SynchronousProgress<ImageProgress>(reports.Add));
        second.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Reused, second.Cache.Message);
        second.Cache.DecodedFiles.Should().Be(0);
        reports.Should().Equal(new ImageProgress(25, 25));
        if (grayFolder)
            second.Channels.Should().Be(1);
        ShouldEqualUncached(second, uncached);
    }

    [Fact]
    public void Nothing_is_written_into_the_image_folder()
    {
        WriteFolder();
        var before = Directory.GetFileSystemEntries(_images.Path, "*", SearchOption.AllDirectories).Order().ToArray();
        using (ImageFolderDataset.Load(_images.Path, Options))
        {
        }
        using (ImageFolderDataset.Load(_images.Path, Options with { CacheDirectory = null }))
        {
        }
        Directory.GetFileSystemEntries(_images.Path, "*", SearchOption.AllDirectories).Order().Should().Equal(before);
    }

    [Fact]
    public void A_touched_file_a_rewritten_file_an_added_and_a_removed_file_each_rebuild_the_cache_and_the_change_is_visible()
    {
        WriteFolder();
        using (ImageFolderDataset.Load(_images.Path, Options))
        {
        }

        string target = _images.File("cats/003.png");
        File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(target).AddSeconds(-5));   // touch: same bytes
        using (var touched = ImageFolderDataset.Load(_images.Path, Options))
        {
            touched.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale);
            touched.Cache.DecodedFiles.Should().Be(25);
        }

        byte[] before;
        using (var reused = ImageFolderDataset.Load(_images.Path, Options))
        {
            reused.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Reused);
            before = AllBytes(reused);
        }

        WriteImage("cats/003.png", 77, side: 9);   // rewritten with other pixels
        using (var rewritten = ImageFolderDataset.Load(_images.Path, Options))
        using (var truth = ImageFolderDataset.Load(_images.Path, Options with { UseCache = false }))
        {
            rewritten.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale);
            AllBytes(rewritten).Should().NotEqual(before, "the rewritten image must not come from the old cache");
            ShouldEqualUncached(rewritten, truth);
        }

        WriteImage("dogs/new.png", 5);
        using (var added = ImageFolderDataset.Load(_images.Path, Options))
        {
            added.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale);
            added.Count.Should().Be(25);
        }

        File.Delete(_images.File("cats/000.png"));
        using (var removed = ImageFolderDataset.Load(_images.Path, Options))
        using (var truth = ImageFolderDataset.Load(_images.Path, Options with { UseCache = false }))
        {
            removed.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale);
            ShouldEqualUncached(removed, truth);
        }
    }

    [Fact]
    public void Other_decode_settings_never_read_a_cache_made_with_different_ones()
    {
        WriteFolder();
        var small = ImageFolderDataset.Load(_images.Path, Options);
        small.Dispose();   // (the copy below opens its file for writing)
        using var large = ImageFolderDataset.Load(_images.Path, Options with { Height = 8, Width = 8 });
        using var gray = ImageFolderDataset.Load(_images.Path, Options with { ColorMode = ColorMode.Grayscale });
        large.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Created);
        gray.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Created);
        (large.Height, large.Width, gray.Channels).Should().Be((8, 8, 1));
        new[] { small.Cache.Path, large.Cache.Path, gray.Cache.Path }.Should().OnlyHaveUniqueItems();

        // A cache file holding other settings under this settings' name (copied over it) is stale, not served.
        File.Copy(large.Cache.Path!, small.Cache.Path!, overwrite: true);
        using var again = ImageFolderDataset.Load(_images.Path, Options);
        again.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.RebuiltStale, again.Cache.Message);
        using var truth = ImageFolderDataset.Load(_images.Path, Options with { UseCache = false });
        ShouldEqualUncached(again, truth);
    }

    /// <summary>Damage done to a valid cache file, and whether it must be reported as damage (else as stale).</summary>
    public static TheoryData<string, bool> Damage => new()
    {
        { "flip a pixel byte", true },
        { "flip a manifest byte", true },
        { "flip a header byte", true },
        { "truncate", true },
        { "append", true },
        { "empty", true },
        { "foreign file", true },
        { "other format version", false },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_cache_is_detected_reported_and_rebuilt_never_served(string damage, bool reportedAsDamage)
    {
        WriteFolder();
        string path;
        using (var first = ImageFolderDataset.Load(_images.Path, Options))
            path = first.Cache.Path!;
        Damaged(path, damage);

        using var rebuilt = ImageFolderDataset.Load(_images.Path, Options);
        rebuilt.Cache.Outcome.Should().Be(reportedAsDamage ? ImageFolderCacheOutcome.RebuiltDamaged : ImageFolderCacheOutcome.RebuiltStale, rebuilt.Cache.Message);
        rebuilt.Cache.Message.Should().Contain(path);
        using var truth = ImageFolderDataset.Load(_images.Path, Options with { UseCache = false });
        ShouldEqualUncached(rebuilt, truth);
        using var reused = ImageFolderDataset.Load(_images.Path, Options);
        reused.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Reused);
    }

    internal static void Damaged(string path, string damage)
    {
        byte[] file = File.ReadAllBytes(path);
        long pixelBytes = BitConverter.ToInt64(file, 40);
        switch (damage)
        {
            case "flip a pixel byte": file[DecodedImageCache.HeaderSize + pixelBytes / 2] ^= 0x10; break;
            case "flip a manifest byte": file[^3] ^= 0x01; break;
            case "flip a header byte": file[24] ^= 0x04; break;
            case "truncate": file = file[..^100]; break;
            case "append": file = [.. file, 0]; break;
            case "empty": file = []; break;
            case "foreign file": file = "SCAN.NET is not this file"u8.ToArray(); break;
            case "other format version": file[8] = 99; break;
            default: throw new ArgumentException(damage);
        }
        File.WriteAllBytes(path, file);
    }

    [Fact]
    public void An_unwritable_cache_folder_decodes_into_memory_and_says_why()
    {
        WriteFolder();
        string notAFolder = _cache.File("a-file");
        File.WriteAllText(notAFolder, "");
        using var dataset = ImageFolderDataset.Load(_images.Path, Options with { CacheDirectory = Path.Combine(notAFolder, "cache") });
        dataset.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Unavailable);
        dataset.Cache.Path.Should().BeNull();
        dataset.Cache.Message.Should().Contain(notAFolder);
        using var truth = ImageFolderDataset.Load(_images.Path, Options with { UseCache = false });
        ShouldEqualUncached(dataset, truth);
    }

    [Fact]
    public void An_undecodable_file_fails_the_load_with_the_same_message_when_the_cache_records_it()
    {
        WriteFolder();
        var strict = Options with { SkipUndecodable = false };
        var uncached = () => ImageFolderDataset.Load(_images.Path, strict with { UseCache = false });
        string expected = uncached.Should().Throw<InvalidDataException>().Which.Message;
        var cached = () => ImageFolderDataset.Load(_images.Path, strict);
        cached.Should().Throw<InvalidDataException>().Which.Message.Should().Be(expected);
        cached.Should().Throw<InvalidDataException>().Which.Message.Should().Be(expected, "the second load reads the failure from the cache");
        using var skipping = ImageFolderDataset.Load(_images.Path, Options);
        skipping.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Reused);
        skipping.Skipped.Should().ContainSingle().Which.Path.Should().EndWith("broken.png");
    }

    [Fact]
    public void Writing_a_cache_deletes_those_of_folders_that_no_longer_exist_and_keeps_the_others()
    {
        WriteFolder(perClass: 2);
        using var gone = new TempFolder();
        using var kept = new TempFolder();
        foreach (var folder in new[] { gone, kept })
            File.Copy(_images.File("cats/000.png"), folder.File("a.png"));
        string goneCache, keptCache;
        using (var a = ImageFolderDataset.Load(gone.Path, Options))
            goneCache = a.Cache.Path!;
        using (var b = ImageFolderDataset.Load(kept.Path, Options))
            keptCache = b.Cache.Path!;
        Directory.Delete(gone.Path, recursive: true);

        using var written = ImageFolderDataset.Load(_images.Path, Options);
        written.Cache.Outcome.Should().Be(ImageFolderCacheOutcome.Created);
        File.Exists(goneCache).Should().BeFalse("its image folder was deleted");
        File.Exists(keptCache).Should().BeTrue();
    }

    [Fact]
    public void The_default_cache_folder_is_the_users_cache_folder_not_the_image_folder()
    {
        string path = DecodedImageCache.PathFor(_images.Path, Options with { CacheDirectory = null });
        path.Should().StartWith(DecodedImageCache.DefaultDirectory());
        path.Should().NotStartWith(_images.Path);
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is null or "")
            path.Should().StartWith(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "scan-net"));
    }
}
