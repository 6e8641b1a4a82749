namespace Scan.Core.Data;

/// <summary>An IDX images file and, optionally, the IDX labels file that goes with it (raw or .gz each).</summary>
/// <param name="ImagesPath">The images file (magic number 0x00000803).</param>
/// <param name="LabelsPath">The labels file (magic number 0x00000801), or null when there are no labels.</param>
internal readonly record struct IdxFilePair(string ImagesPath, string? LabelsPath = null);
