namespace Scan.Core.Data;

/// <summary>An image file an <see cref="ImageFolderDataset"/> left out because it could not be decoded.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why it could not be decoded.</param>
public sealed record SkippedImage(string Path, string Reason);
