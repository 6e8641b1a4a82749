using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scan.Core.IO;

/// <summary>
/// The JSON files Scan.NET writes and reads back (a run's options.json and the stages' report.json): plain, indented
/// JSON objects with two more top-level members, <c>"formatVersion"</c> and <c>"sha256"</c>, the hex SHA-256 of the
/// object's compact form without those two. A damaged, truncated or edited file is detected and named on reading,
/// as a <see cref="ScanFile"/> is, while any JSON reader that ignores unknown members still reads the content.
/// </summary>
internal static class ChecksummedJson
{
    private const string VersionMember = "formatVersion";
    private const string HashMember = "sha256";
    private static readonly JsonSerializerOptions Compact = new(ScanJson.Options) { WriteIndented = false };

    /// <summary>Serialises <paramref name="value"/> (to a JSON object) with its format version and checksum.</summary>
    public static string Serialize<T>(T value, int version)
    {
        var node = JsonSerializer.SerializeToNode(value, ScanJson.Options)?.AsObject()
                   ?? throw new ArgumentException("Expected a value that serialises to a JSON object.", nameof(value));
        string hash = Hash(node);
        node[VersionMember] = version;
        node[HashMember] = hash;
        return node.ToJsonString(ScanJson.Options);
    }

    /// <summary>Reads a file written by <see cref="Serialize"/> and verifies it; returns the object without the two
    /// added members.</summary>
    /// <exception cref="InvalidDataException">The file is not a JSON object, has another format version, or its
    /// content does not match its checksum; the message names the file and what was expected vs found.</exception>
    public static JsonObject Read(string path, int version)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is invalid: expected a JSON object, found malformed JSON (damaged or truncated): {e.Message}", e);
        }
        if (node is not JsonObject json)
            throw new InvalidDataException($"'{path}' is invalid: expected a JSON object, found {(node is null ? "null" : node.GetValueKind().ToString())}.");

        int? foundVersion = json[VersionMember] is JsonValue v && v.TryGetValue(out int i) ? i : null;
        if (foundVersion != version)
            throw new InvalidDataException($"'{path}' is invalid: expected format version {version}, found {foundVersion?.ToString() ?? "none"}.");
        string? recorded = json[HashMember] is JsonValue h && h.TryGetValue(out string? s) ? s : null;
        json.Remove(VersionMember);
        json.Remove(HashMember);
        string actual = Hash(json);
        if (!string.Equals(recorded, actual, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"'{path}' is invalid: expected content matching its recorded SHA-256 {recorded ?? "(none)"}, found {actual} (file damaged or edited).");
        return json;
    }

    private static string Hash(JsonObject json) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json.ToJsonString(Compact))));
}
