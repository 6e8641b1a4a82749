using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scan.Core.IO;

/// <summary>The JSON settings of every file Scan.NET writes (metrics, options, histories): indented, camelCase, enums as strings.</summary>
internal static class ScanJson
{
    /// <summary>Shared serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
