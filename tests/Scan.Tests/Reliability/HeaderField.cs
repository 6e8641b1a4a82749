namespace Scan.Tests.Reliability;

/// <summary>An integer field of a file header (or a record's label byte) that a <see cref="Mutator"/> may corrupt.</summary>
/// <param name="Name">What the field means, for messages ("image count").</param>
/// <param name="Offset">Byte offset; negative counts from the end of the file (e.g. a gzip trailer).</param>
/// <param name="Size">1, 2, 4 or 8 bytes.</param>
/// <param name="BigEndian">Byte order of the field.</param>
internal readonly record struct HeaderField(string Name, int Offset, int Size, bool BigEndian = false);
