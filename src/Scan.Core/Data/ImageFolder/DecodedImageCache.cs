using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Scan.Core.IO;
using SkiaSharp;

namespace Scan.Core.Data;

/// <summary>
/// Decodes the images of an <see cref="ImageFolderDataset"/>, in chunks of bounded size, into a cache file that later
/// loads of the same files and settings read instead of decoding (or, with the cache off or unwritable, into one
/// byte array as before). The dataset then reads its batches from the file with positional reads
/// (<see cref="FilePixelSource"/>), so its pixels cost no managed memory. Layout (FORMATS.md, "Decoded image cache"):
/// a 128-byte header, the kept images back to back (C·H·W bytes each), then the manifest: the key (decoder, folder,
/// settings, and each file's relative path, size, modification time and label) and each file's outcome.
/// </summary>
internal static class DecodedImageCache
{
    /// <summary>The cache file's format version (FORMATS.md).</summary>
    public const uint FormatVersion = 1;

    /// <summary>
    /// The version of what <see cref="ImageDecoder.DecodePixels(string, int, int, ColorMode, Span{byte})"/> produces:
    /// raise it with any change to the decoder that can change a pixel or a failure, so that caches made by the
    /// previous decoder are rebuilt (the SkiaSharp version is part of the key as well).
    /// </summary>
    public const int DecoderVersion = 1;

    public const string Extension = ".scanimg";
    public const int HeaderSize = 128;
    private static readonly byte[] Magic = "SCANIMGC"u8.ToArray();

    /// <summary>Decoded images are handed to the cache in chunks of at most this many bytes (at least one image per core).</summary>
    private const int ChunkBytes = 8 << 20;

    /// <summary>A manifest is at most this long (about 5 million files); a longer one is taken as damage.</summary>
    private const long MaxManifestBytes = 1L << 30;

    /// <summary>What a load produced: the kept images' pixels and which files they came from.</summary>
    /// <param name="Pixels">The kept images, owned by the caller.</param>
    /// <param name="Kept">Indices into the file list of the images in <paramref name="Pixels"/>, in order.</param>
    /// <param name="Skipped">The undecodable files, in path order.</param>
    /// <param name="ColorMode">The dataset's colour mode (grayscale when detected).</param>
    /// <param name="Report">What happened with the cache.</param>
    public sealed record Result(PixelSource Pixels, int[] Kept, SkippedImage[] Skipped, ColorMode ColorMode, ImageFolderCacheReport Report);

    /// <summary>The user's cache folder for image folders (see <see cref="ImageFolderOptions.CacheDirectory"/>).</summary>
    public static string DefaultDirectory()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (local.Length > 0)
                return Path.Combine(local, "scan-net", "cache", "image-folders");
        }
        else if (OperatingSystem.IsMacOS() && home.Length > 0)
        {
            return Path.Combine(home, "Library", "Caches", "scan-net", "image-folders");
        }
        else
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
                return Path.Combine(xdg, "scan-net", "image-folders");
            if (home.Length > 0)
                return Path.Combine(home, ".cache", "scan-net", "image-folders");
        }
        return Path.Combine(Path.GetTempPath(), $"scan-net-cache-{Environment.UserName}", "image-folders");
    }

    /// <summary>The cache file for <paramref name="root"/> decoded with <paramref name="options"/>: one per folder,
    /// size and colour mode, so alternating between two sizes does not rebuild each time.</summary>
    public static string PathFor(string root, ImageFolderOptions options)
    {
        string fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullRoot)))[..16];
        string name = new string(Path.GetFileName(fullRoot).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(40).ToArray());
        string mode = options.ColorMode == ColorMode.Grayscale ? "gray" : "rgb";
        return Path.Combine(options.CacheDirectory ?? DefaultDirectory(),
            $"{(name.Length > 0 ? name : "root")}-{hash}-{options.Height}x{options.Width}-{mode}{Extension}");
    }

    /// <summary>
    /// The pixels of <paramref name="files"/> (found under <paramref name="root"/>) decoded with
    /// <paramref name="options"/>: from a valid cache, or decoded (and cached when <see cref="ImageFolderOptions.UseCache"/>).
    /// Throws as <see cref="ImageFolderDataset.Load(string, ImageFolderOptions)"/> documents for undecodable files,
    /// after writing the cache, which records them.
    /// </summary>
    public static Result Load(string root, string[] files, int[]? labels, string[]? classNames, ImageFolderOptions options,
        IProgress<ImageProgress>? progress)
    {
        int decodeChannels = options.ColorMode.Channels();
        int imageBytes = checked(decodeChannels * options.Height * options.Width);
        if (!options.UseCache)
            return InMemory(root, files, options, imageBytes, progress, new ImageFolderCacheReport(ImageFolderCacheOutcome.Disabled, null, files.Length, "Cache off: decoded into memory."));

        string path = PathFor(root, options);
        byte[] key = Key(root, files, labels, classNames, options);
        var found = TryOpen(path, key, imageBytes);
        if (found.File is not null)
        {
            progress?.Report(new ImageProgress(files.Length, files.Length));
            return Finish(root, files, options, path, imageBytes, found, new ImageFolderCacheReport(
                ImageFolderCacheOutcome.Reused, path, 0, $"Read {found.Count} decoded images from the cache '{path}'."));
        }

        if (WriteProblem(path) is { } unwritable)
        {
            return InMemory(root, files, options, imageBytes, progress, new ImageFolderCacheReport(ImageFolderCacheOutcome.Unavailable, null, files.Length,
                $"The cache '{path}' cannot be written ({unwritable}); decoded into memory instead. Set ImageFolderOptions.CacheDirectory to a writable folder."));
        }

        byte[] writtenChecksum;
        try
        {
            writtenChecksum = Write(path, key, files, options, imageBytes, progress);
        }
        catch (SourceFailure failure)
        {
            // Reading an image failed (deleted or unreadable meanwhile): surface it as itself, as without a cache.
            ExceptionDispatchInfo.Throw(failure.InnerException!);
            throw;
        }
        catch (IOException e)
        {
            return InMemory(root, files, options, imageBytes, progress, new ImageFolderCacheReport(ImageFolderCacheOutcome.Unavailable, null, files.Length,
                $"{e.Message} Decoded into memory instead."));
        }

        DeleteOrphans(path);
        // Reopened and checked like any cache, except that the pixels are not hashed again when the header's checksum
        // is the one just written (another process may have replaced the file meanwhile).
        var written = TryOpen(path, key, imageBytes, writtenChecksum);
        if (written.File is null)
        {
            // Replaced by another process meanwhile with a cache of other files (the folder changed under us).
            return InMemory(root, files, options, imageBytes, progress, new ImageFolderCacheReport(ImageFolderCacheOutcome.Unavailable, null, files.Length,
                $"The cache '{path}' just written no longer matches the folder ({written.Problem}); decoded into memory instead."));
        }

        var outcome = found.Problem is null ? ImageFolderCacheOutcome.Created
            : found.Damaged ? ImageFolderCacheOutcome.RebuiltDamaged : ImageFolderCacheOutcome.RebuiltStale;
        string message = found.Problem is null
            ? $"Decoded {files.Length} image files into the new cache '{path}'."
            : $"The cache '{path}' {found.Problem}; decoded {files.Length} image files and rebuilt it.";
        return Finish(root, files, options, path, imageBytes, written, new ImageFolderCacheReport(outcome, path, files.Length, message));
    }

    // ---- Decoding -------------------------------------------------------------------------------------------------

    /// <summary>Decodes every file, a chunk at a time, handing the decodable images to <paramref name="sink"/> in
    /// file order, each run of consecutive ones at once; returns each file's failure (null when decoded) and whether
    /// every decoded RGB image is gray.</summary>
    private static (InvalidDataException?[] Failures, bool AllGray) Decode(string[] files, ImageFolderOptions options, int imageBytes,
        IProgress<ImageProgress>? progress, Action<ReadOnlySpan<byte>> sink)
    {
        var failures = new InvalidDataException?[files.Length];
        var unreadable = new IOException?[files.Length];
        // At least one image per core, so that large images are still decoded in parallel.
        int chunk = Math.Clamp(Math.Max(ChunkBytes / imageBytes, Environment.ProcessorCount), 1, Math.Max(1, files.Length));
        var buffer = new byte[(long)chunk * imageBytes];
        bool allGray = options.ColorMode == ColorMode.Rgb;
        int plane = imageBytes / 3;
        int decoded = 0, reportEvery = Math.Max(1, files.Length / 100);
        // -1 means one decode per processor, as documented; Parallel.For would read it as "no limit", and under load the
        // thread pool then grew to dozens of full-size decodes at once (39 on 2 cores, 1.9 GB, in the JPEG bench).
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism,
        };
        for (int start = 0; start < files.Length; start += chunk)
        {
            int count = Math.Min(chunk, files.Length - start);
            try
            {
                Parallel.For(0, count, parallel, j =>
                {
                    int i = start + j;
                    try
                    {
                        ImageDecoder.DecodePixels(files[i], options.Height, options.Width, options.ColorMode,
                            buffer.AsSpan(j * imageBytes, imageBytes));
                    }
                    catch (InvalidDataException e)
                    {
                        failures[i] = e;
                    }
                    catch (IOException e)
                    {
                        // No read permission, deleted meanwhile, a read error: reported below, however many threads meet one.
                        unreadable[i] = e;
                    }
                    int done = Interlocked.Increment(ref decoded);
                    if (progress is not null && (done % reportEvery == 0 || done == files.Length))
                        progress.Report(new ImageProgress(done, files.Length));
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                throw new SourceFailure(e.InnerExceptions[0]);
            }
            catch (AggregateException e)
            {
                throw new SourceFailure(e);
            }

            int run = 0;   // first image of the current run of decodable ones
            for (int j = 0; j <= count; j++)
            {
                if (j < count && failures[start + j] is null && unreadable[start + j] is null)
                {
                    var image = buffer.AsSpan(j * imageBytes, imageBytes);
                    if (allGray && (!image[..plane].SequenceEqual(image.Slice(plane, plane)) || !image[..plane].SequenceEqual(image[(2 * plane)..])))
                        allGray = false;
                    continue;
                }
                if (j > run)
                    sink(buffer.AsSpan(run * imageBytes, (j - run) * imageBytes));
                run = j + 1;
            }
        }
        if (unreadable.FirstOrDefault(e => e is not null) is { } io)
        {
            int count = unreadable.Count(e => e is not null);
            throw new SourceFailure(count == 1 ? io : new IOException($"{io.Message} {count - 1} more file(s) cannot be read either.", io));
        }
        return (failures, allGray);
    }

    /// <summary>An exception from reading an image file while writing the cache, kept apart from the cache file's
    /// own write errors.</summary>
    private sealed class SourceFailure(Exception inner) : Exception(inner.Message, inner);

    private static Result InMemory(string root, string[] files, ImageFolderOptions options, int imageBytes,
        IProgress<ImageProgress>? progress, ImageFolderCacheReport report)
    {
        if ((long)files.Length * imageBytes > Array.MaxLength)
            throw new InvalidDataException(
                $"'{root}' holds {files.Length} images; at {options.Height}x{options.Width}x{options.ColorMode.Channels()} they need more than one array can hold. " +
                "Choose a smaller size, or use the cache (ImageFolderOptions.UseCache) in a writable CacheDirectory.");
        var pixels = new byte[(long)files.Length * imageBytes];
        long written = 0;
        (InvalidDataException?[] Failures, bool AllGray) outcome;
        try
        {
            outcome = Decode(files, options, imageBytes, progress, images =>
            {
                images.CopyTo(pixels.AsSpan((int)written, images.Length));
                written += images.Length;
            });
        }
        catch (SourceFailure failure)
        {
            ExceptionDispatchInfo.Throw(failure.InnerException!);
            throw;
        }

        var manifest = new Manifest(outcome.Failures.Select(f => f?.Message).ToArray(), outcome.AllGray);
        ThrowIfUndecodable(root, files, options, manifest);
        int kept = (int)(written / imageBytes);
        if (written != pixels.LongLength)
            Array.Resize(ref pixels, (int)written);
        if (options.DetectGrayscale && manifest.AllGray && kept > 0)
        {
            // Every image has R = G = B: keep the red plane of each (equal to the luma Grayscale mode would compute).
            int plane = imageBytes / 3;
            var gray = new byte[(long)kept * plane];
            for (int i = 0; i < kept; i++)
                Array.Copy(pixels, (long)i * imageBytes, gray, (long)i * plane, plane);
            return Assemble(files, manifest, new ArrayPixelSource(gray, kept, plane), ColorMode.Grayscale, report);
        }
        return Assemble(files, manifest, new ArrayPixelSource(pixels, kept, imageBytes), options.ColorMode, report);
    }

    /// <summary>The dataset over the cache file: its images as they are, or only the red plane of each when every
    /// image is gray and <see cref="ImageFolderOptions.DetectGrayscale"/> is on (a stride of three planes).</summary>
    private static Result Finish(string root, string[] files, ImageFolderOptions options, string path, int imageBytes, Opened cache,
        ImageFolderCacheReport report)
    {
        var manifest = cache.Manifest!;
        try
        {
            ThrowIfUndecodable(root, files, options, manifest);
        }
        catch
        {
            cache.File!.Dispose();
            throw;
        }
        if (options.DetectGrayscale && options.ColorMode == ColorMode.Rgb && manifest.AllGray && cache.Count > 0)
        {
            int plane = imageBytes / 3;
            return Assemble(files, manifest, FilePixelSource.FromHandle(cache.File!, path, HeaderSize, imageBytes, plane, cache.Count),
                ColorMode.Grayscale, report);
        }
        return Assemble(files, manifest, FilePixelSource.FromHandle(cache.File!, path, HeaderSize, imageBytes, imageBytes, cache.Count),
            options.ColorMode, report);
    }

    private static Result Assemble(string[] files, Manifest manifest, PixelSource pixels, ColorMode mode, ImageFolderCacheReport report)
    {
        var kept = new List<int>(files.Length);
        var skipped = new List<SkippedImage>();
        for (int i = 0; i < files.Length; i++)
        {
            if (manifest.Failures[i] is { } reason)
                skipped.Add(new SkippedImage(files[i], reason));
            else
                kept.Add(i);
        }
        return new Result(pixels, kept.ToArray(), skipped.ToArray(), mode, report);
    }

    private static void ThrowIfUndecodable(string root, string[] files, ImageFolderOptions options, Manifest manifest)
    {
        int failed = manifest.Failures.Count(f => f is not null);
        if (failed > 0 && !options.SkipUndecodable)
        {
            string first = manifest.Failures.First(f => f is not null)!;
            string more = failed > 1 ? $" {failed - 1} more file(s) cannot be decoded either." : "";
            throw new InvalidDataException(
                $"{first}{more} Set ImageFolderOptions.SkipUndecodable to leave such files out.", new InvalidDataException(first));
        }

        if (failed == files.Length)
            throw new InvalidDataException(
                $"None of the {files.Length} image files in '{root}' could be decoded; the first, '{files[0]}': {manifest.Failures[0]}");
    }

    // ---- The cache file -------------------------------------------------------------------------------------------

    /// <summary>Each file's failure message (null: decoded), and whether every decoded RGB image is gray.</summary>
    private sealed record Manifest(string?[] Failures, bool AllGray);

    /// <summary>What the cache must have been made from: decoder, folder, settings, and every file's identity.</summary>
    private static byte[] Key(string root, string[] files, int[]? labels, string[]? classNames, ImageFolderOptions options)
    {
        string fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        string prefix = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write($"ImageDecoder {DecoderVersion}; SkiaSharp {typeof(SKBitmap).Assembly.GetName().Version} native {SkiaSharpVersion.Native}; MaxPixels {ImageDecoder.MaxPixels}");
            w.Write(fullRoot);
            w.Write(options.Height);
            w.Write(options.Width);
            w.Write((int)options.ColorMode);
            w.Write(classNames?.Length ?? -1);
            foreach (string name in classNames ?? [])
                w.Write(name);
            w.Write(files.Length);
            for (int i = 0; i < files.Length; i++)
            {
                var info = new FileInfo(files[i]);
                // The folder walk builds every path from root, so the relative path is what follows it.
                w.Write(files[i].StartsWith(prefix, StringComparison.Ordinal) ? files[i][prefix.Length..] : Path.GetRelativePath(fullRoot, info.FullName));
                w.Write(info.Length);
                w.Write(info.LastWriteTimeUtc.Ticks);
                w.Write(labels?[i] ?? -1);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Decodes every file into a new cache at <paramref name="path"/>; returns the pixels' checksum.</summary>
    private static byte[] Write(string path, byte[] key, string[] files, ImageFolderOptions options, int imageBytes,
        IProgress<ImageProgress>? progress)
    {
        var pixelChecksum = new byte[32];
        AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[HeaderSize]);
            var pixelHash = new XxHash128();
            long pixelBytes = 0;
            var (failures, allGray) = Decode(files, options, imageBytes, progress, image =>
            {
                stream.Write(image);
                pixelHash.Append(image);
                pixelBytes += image.Length;
            });

            using var manifest = new MemoryStream();
            using (var w = new BinaryWriter(manifest, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(key.Length);
                w.Write(key);
                w.Write(failures.Length);
                foreach (var failure in failures)
                {
                    w.Write(failure is null ? (byte)0 : (byte)1);
                    if (failure is not null)
                        w.Write(failure.Message);
                }
            }
            byte[] manifestBytes = manifest.ToArray();
            stream.Write(manifestBytes);

            var header = new byte[HeaderSize];
            var h = header.AsSpan();
            Magic.CopyTo(h);
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], FormatVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(h[12..], allGray ? 1u : 0u);
            BinaryPrimitives.WriteInt32LittleEndian(h[16..], options.ColorMode.Channels());
            BinaryPrimitives.WriteInt32LittleEndian(h[20..], options.Height);
            BinaryPrimitives.WriteInt32LittleEndian(h[24..], options.Width);
            BinaryPrimitives.WriteInt32LittleEndian(h[28..], (int)(pixelBytes / imageBytes));
            BinaryPrimitives.WriteInt64LittleEndian(h[32..], HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(h[40..], pixelBytes);
            pixelHash.GetCurrentHash(pixelChecksum);   // 16 bytes; the other 16 stay zero
            pixelChecksum.CopyTo(h[48..]);
            BinaryPrimitives.WriteInt64LittleEndian(h[80..], manifestBytes.Length);
            SHA256.HashData(manifestBytes).CopyTo(h[88..]);
            SHA256.HashData(h[..120])[..8].CopyTo(h[120..]);
            stream.Position = 0;
            stream.Write(header);
        }, flushToDisk: false);   // a cache: a machine crash leaves a file that fails its checksums and is rebuilt
        return pixelChecksum;
    }

    /// <summary>The opened, verified cache (its handle, image count and manifest), or why there is none: missing
    /// (no problem), stale or damaged.</summary>
    private readonly record struct Opened(SafeFileHandle? File, int Count, Manifest? Manifest, string? Problem, bool Damaged);

    /// <summary>Opens <paramref name="path"/> and checks its header, manifest checksum, key and pixel checksum.</summary>
    private static Opened TryOpen(string path, byte[] key, int imageBytes, byte[]? knownPixelChecksum = null)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Opened(null, 0, null, $"cannot be read ({e.Message.TrimEnd('.')})", Damaged: true);
        }

        try
        {
            var opened = Check(file, key, imageBytes, knownPixelChecksum);
            if (opened.File is null)
                file.Dispose();
            return opened;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static Opened Check(SafeFileHandle file, byte[] key, int imageBytes, byte[]? knownPixelChecksum)
    {
        static Opened Damaged(string why) => new(null, 0, null, $"is damaged ({why})", Damaged: true);
        static Opened Stale(string why) => new(null, 0, null, why, Damaged: false);

        long length = RandomAccess.GetLength(file);
        if (length < HeaderSize)
            return Damaged($"{length} bytes, shorter than its {HeaderSize}-byte header");
        var header = new byte[HeaderSize];
        ReadExactly(file, header, 0);
        var h = header.AsSpan();
        if (!h[..8].SequenceEqual(Magic))
            return Damaged("no 'SCANIMGC' magic at offset 0");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        if (version != FormatVersion)
            return Stale($"was written in format version {version}, this version reads {FormatVersion}");
        if (!SHA256.HashData(h[..120])[..8].SequenceEqual(h[120..]))
            return Damaged("header checksum mismatch");
        int count = BinaryPrimitives.ReadInt32LittleEndian(h[28..]);
        long pixelOffset = BinaryPrimitives.ReadInt64LittleEndian(h[32..]);
        long pixelBytes = BinaryPrimitives.ReadInt64LittleEndian(h[40..]);
        long manifestBytes = BinaryPrimitives.ReadInt64LittleEndian(h[80..]);
        int channels = BinaryPrimitives.ReadInt32LittleEndian(h[16..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(h[20..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(h[24..]);
        if ((long)channels * height * width != imageBytes)
            return Stale($"holds {channels}x{height}x{width} images, expected {imageBytes} bytes each");
        if (count < 0 || pixelOffset != HeaderSize || pixelBytes != (long)count * imageBytes || manifestBytes is < 0 or > MaxManifestBytes)
            return Damaged("inconsistent header fields");
        if (length != HeaderSize + pixelBytes + manifestBytes)
            return Damaged($"{length} bytes, expected {HeaderSize + pixelBytes + manifestBytes} (truncated or extended)");

        var manifest = new byte[manifestBytes];
        ReadExactly(file, manifest, HeaderSize + pixelBytes);
        if (!SHA256.HashData(manifest).AsSpan().SequenceEqual(h.Slice(88, 32)))
            return Damaged("manifest checksum mismatch");
        string?[] failures;
        try
        {
            using var r = new BinaryReader(new MemoryStream(manifest), Encoding.UTF8);
            int keyLength = r.ReadInt32();
            if (keyLength < 0 || keyLength > manifest.Length - 4)
                return Damaged("manifest key length out of range");
            if (!r.ReadBytes(keyLength).AsSpan().SequenceEqual(key))
                return Stale("was made from other files or settings (a file was added, removed, renamed, resized or modified, or the size, colour mode or decoder changed)");
            int files = r.ReadInt32();
            if (files < 0 || files > manifest.Length)
                return Damaged("manifest file count out of range");
            failures = new string?[files];
            for (int i = 0; i < files; i++)
                failures[i] = r.ReadByte() switch
                {
                    0 => null,
                    1 => r.ReadString(),
                    var b => throw new InvalidDataException($"status {b}"),
                };
            if (r.BaseStream.Position != manifest.Length)
                return Damaged("trailing bytes after the manifest");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException or IOException)
        {
            return Damaged($"unreadable manifest: {e.Message}");
        }
        if (failures.Count(f => f is null) != count)
            return Damaged($"the manifest lists {failures.Count(f => f is null)} decoded images, the header {count}");

        if (knownPixelChecksum is null || !h.Slice(48, 32).SequenceEqual(knownPixelChecksum))
        {
            var hash = new XxHash128();
            var buffer = new byte[1 << 20];
            for (long offset = 0; offset < pixelBytes; offset += buffer.Length)
            {
                var part = buffer.AsSpan(0, (int)Math.Min(buffer.Length, pixelBytes - offset));
                ReadExactly(file, part, HeaderSize + offset);
                hash.Append(part);
            }
            var checksum = new byte[32];
            hash.GetCurrentHash(checksum);
            if (!checksum.AsSpan().SequenceEqual(h.Slice(48, 32)))
                return Damaged("pixel checksum mismatch");
        }

        bool allGray = (BinaryPrimitives.ReadUInt32LittleEndian(h[12..]) & 1) != 0;
        return new Opened(file, count, new Manifest(failures, allGray), null, false);
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> destination, long offset)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int read = RandomAccess.Read(file, destination[done..], offset + done);
            if (read == 0)
                throw new EndOfStreamException($"The cache file ended at {offset + done} bytes while it was read.");
            done += read;
        }
    }

    /// <summary>
    /// Deletes the cache files beside <paramref name="path"/> whose image folder no longer exists (e.g. of folders
    /// made and deleted by tests or one-off runs), so that the cache folder does not grow without end. Best effort:
    /// a file that cannot be read or deleted is left alone.
    /// </summary>
    internal static int DeleteOrphans(string path)
    {
        int deleted = 0;
        string full = Path.GetFullPath(path);
        foreach (string other in Directory.EnumerateFiles(Path.GetDirectoryName(full)!, "*" + Extension))
        {
            if (other == full)
                continue;
            try
            {
                string? root;
                using (var file = File.OpenHandle(other, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                    root = RootOf(file);
                if (root is not null && !Directory.Exists(root))
                {
                    File.Delete(other);
                    deleted++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return deleted;
    }

    /// <summary>The image folder a cache file was made from (the key's second string), or null if unreadable.</summary>
    private static string? RootOf(SafeFileHandle file)
    {
        var header = new byte[HeaderSize];
        if (RandomAccess.Read(file, header, 0) != HeaderSize || !header.AsSpan(0, 8).SequenceEqual(Magic))
            return null;
        long pixelBytes = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(40));
        long manifestBytes = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(80));
        if (pixelBytes < 0 || manifestBytes < 8)
            return null;
        var start = new byte[(int)Math.Min(manifestBytes, 64 << 10)];
        int read = RandomAccess.Read(file, start, HeaderSize + pixelBytes);
        try
        {
            using var r = new BinaryReader(new MemoryStream(start, 0, read), Encoding.UTF8);
            r.ReadInt32();
            r.ReadString();
            string root = r.ReadString();
            return Path.IsPathRooted(root) ? root : null;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            return null;
        }
    }

    /// <summary>Why the cache folder cannot take <paramref name="path"/>, or null when it can.</summary>
    private static string? WriteProblem(string path)
    {
        try
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message.TrimEnd('.');
        }
    }
}
