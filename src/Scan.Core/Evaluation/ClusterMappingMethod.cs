using System.Text.Json.Serialization;

namespace Scan.Core.Evaluation;

/// <summary>How clusters are turned into class predictions before accuracy is counted.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClusterMappingMethod>))]
public enum ClusterMappingMethod
{
    /// <summary>
    /// One-to-one: the Hungarian algorithm pairs clusters with classes so the most samples agree (SCAN's ACC).
    /// With more clusters than classes the surplus clusters stay unpaired and their samples count as wrong.
    /// </summary>
    Hungarian,

    /// <summary>
    /// Many-to-one: each cluster maps to the class most of its samples have (ties to the lowest class id; an empty
    /// cluster maps to nothing). Suits over-clustering, where several clusters may split one class.
    /// </summary>
    Majority,
}
