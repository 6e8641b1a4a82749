using System.Buffers.Binary;
using System.Text.Json;
using Scan.Core.IO;

namespace Scan.ReliabilityHost;

/// <summary>
/// Rewrites two files in a tight loop, each version's content a function of its number, so that whoever reads them
/// after a kill can tell which version they hold and that it is complete: <see cref="BlobName"/>, a
/// <see cref="ScanFile"/> (checksummed, the container of checkpoints and models) of several MB, and
/// <see cref="ReportName"/>, JSON written with <see cref="AtomicFile.WriteAllText"/> (how stage reports are written).
/// Prints <c>ready V</c> once it has read the version on disk, <c>writing V</c> when it starts writing version V,
/// and <c>wrote V</c> once both files of version V are in place.
/// </summary>
public static class WriteLoop
{
    /// <summary>The checksummed file.</summary>
    public const string BlobName = "checkpoint.scan";

    /// <summary>The JSON file.</summary>
    public const string ReportName = "report.json";

    /// <summary>The <see cref="ScanFile"/> kind of the blob.</summary>
    public const string Kind = "reliability-blob";

    private const int ReportFillerChars = 64 * 1024;

    /// <summary>Runs until killed, or for <paramref name="writes"/> versions when positive.</summary>
    public static void Run(string directory, int megabytes, int writes, TextWriter output)
    {
        Directory.CreateDirectory(directory);
        long version = ReadBlobVersion(Path.Combine(directory, BlobName)) ?? 0;
        output.WriteLine($"ready {version}");
        int bytes = megabytes * 1024 * 1024;
        for (int written = 0; writes <= 0 || written < writes; written++)
        {
            version++;
            byte[] payload = Payload(version, bytes);
            output.WriteLine($"writing {version}");
            ScanFile.Write(Path.Combine(directory, BlobName), Kind, 1, payload);
            AtomicFile.WriteAllText(Path.Combine(directory, ReportName), Report(version));
            output.WriteLine($"wrote {version}");
        }
    }

    /// <summary>The blob payload of <paramref name="version"/>: the version (int64) then xorshift64 bytes seeded by it.</summary>
    public static byte[] Payload(long version, int bytes)
    {
        var payload = new byte[bytes];
        BinaryPrimitives.WriteInt64LittleEndian(payload, version);
        ulong state = 0x9E3779B97F4A7C15UL ^ (ulong)version;
        for (int i = 8; i + 8 <= bytes; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(i), state);
        }
        return payload;
    }

    /// <summary>The version in the blob, verified (checksum through <see cref="ScanFile.Read"/>, then content); null if absent.</summary>
    /// <exception cref="InvalidDataException">The file is partial, damaged, or not any version's exact content.</exception>
    public static long? ReadBlobVersion(string path)
    {
        if (!File.Exists(path))
            return null;
        byte[] payload = ScanFile.Read(path, Kind, 1);
        if (payload.Length < 8)
            throw new InvalidDataException($"'{path}' holds {payload.Length} bytes, too few for a version.");
        long version = BinaryPrimitives.ReadInt64LittleEndian(payload);
        if (!payload.AsSpan().SequenceEqual(Payload(version, payload.Length)))
            throw new InvalidDataException($"'{path}' passes its checksum but is not version {version}'s content.");
        return version;
    }

    /// <summary>The version in the JSON file, verified (parses, filler complete); null if absent.</summary>
    /// <exception cref="InvalidDataException">The file is partial or damaged.</exception>
    public static long? ReadReportVersion(string path)
    {
        if (!File.Exists(path))
            return null;
        string text = File.ReadAllText(path);
        try
        {
            var report = JsonSerializer.Deserialize<VersionReport>(text)
                         ?? throw new InvalidDataException($"'{path}' holds JSON null.");
            if (report.Filler != Filler(report.Version))
                throw new InvalidDataException($"'{path}' has the wrong filler for version {report.Version}.");
            return report.Version;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not complete JSON ({text.Length} chars): {e.Message}", e);
        }
    }

    private static string Report(long version) => JsonSerializer.Serialize(new VersionReport(version, Filler(version)));

    private static string Filler(long version) => new((char)('a' + version % 26), ReportFillerChars);

    private sealed record VersionReport(long Version, string Filler);
}
