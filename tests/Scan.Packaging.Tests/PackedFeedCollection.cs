namespace Scan.Packaging.Tests;

/// <summary>Packs once for every test class that needs the feed (packing takes a minute or more).</summary>
[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "Packed feed";
}
