using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Scan.Core.Inference;
using Scan.Core.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Model and weight files crafted by someone hostile: every checksum and CRC-32 valid, every size a lie. Each must
/// be refused with the loader's documented <see cref="InvalidDataException"/> naming the file and the lie, on its
/// own thread within <see cref="CaseTimeout"/> (a hang guard, not a speed measurement) and allocating at most
/// <see cref="ManagedLimit"/> of managed memory (a size believed before its data was checked allocates gigabytes).
/// </summary>
public sealed class HostileFileTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);
    private const long ManagedLimit = 64L << 20;
    private static readonly string Torchvision = Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "small_resnet_torchvision.pt");
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Crafted <see cref="ScanModel"/> files: (what, edit of the valid payload, expected message part).</summary>
    internal static readonly (string Name, Func<byte[], byte[]> Craft, string Reason)[] ModelCases =
    [
        // Before: loaded, and PredictFiles decoded every image to 65,535 x 65,535 (17 GB of RGBA per image).
        ("input size 65,535 x 65,535", p => EditDescription(p, d => d.Replace("\"height\": 8", "\"height\": 65535").Replace("\"width\": 8,", "\"width\": 65535,")),
            "input size of 65535x65535, expected 1x1 to 2048x2048"),
        // Before: new long[2^31 - 1] for the shape (OutOfMemoryException, undocumented).
        ("tensor rank 2^31 - 1", p => EditEntry(p, 0, e => e with { Header = Leb(e.DType).Concat(Leb(int.MaxValue)).ToArray() }),
            "rank 2147483647 for 'backbone.conv1.weight', expected 4"),
        // Before: new long[2^27] (1 GiB) for the shape, then end of stream.
        ("tensor rank 2^27", p => EditEntry(p, 0, e => e with { Header = Leb(e.DType).Concat(Leb(1 << 27)).ToArray() }),
            "rank 134217728 for 'backbone.conv1.weight', expected 4"),
        // Before: loaded, with head 1 (the selected one) left at its random initialisation.
        ("a head's weight stored twice, the other missing", p => DuplicateEntry(p, "cluster_head.0.weight", "cluster_head.1.weight"),
            "entry 'cluster_head.0.weight' twice"),
        // Before: built a 57 MB stem convolution for a 100,000-channel input from a 1.2 MB file, then failed reading.
        ("100,000 input channels", p => EditDescription(p, d => d.Replace("\"channels\": 1", "\"channels\": 100000")
                .Replace("\"mean\": [\n    0.5\n  ]", "\"mean\": [" + string.Join(",", Enumerable.Repeat("0.5", 100000)) + "]")
                .Replace("\"std\": [\n    0.25\n  ]", "\"std\": [" + string.Join(",", Enumerable.Repeat("0.25", 100000)) + "]")),
            "with 100000 input channel(s)), but the file holds"),
    ];

    /// <summary>Crafted PyTorch state dicts: (what, the file's bytes, expected message part).</summary>
    internal static readonly (string Name, Func<byte[]> Craft, string Reason)[] WeightCases =
    [
        // Before: inflated all 1.5 GiB to check the CRC.
        ("an entry declaring 1.5 GiB (a true zip bomb)", () => WithEntry(Bomb("x/data/bomb", (3L << 29) / 258, declared: null)),
            "bytes, more than the limit of 1073741824 (PyTorchWeights.MaxEntryBytes)"),
        // Before: inflated what was there, then reported the length mismatch (quick here; a longer one is a bomb).
        ("an entry declaring 10,000 times its compressed size", () => WithEntry(Bomb("x/data/bomb", 4000, declared: 10_000u * 6500)),
            "more than deflate can expand them to"),
        // Already refused before the fix: .NET's entry stream ends at the declared size, so a bomb must declare
        // what it inflates to, which the two cases above bound. Pinned here because the CRC pass relies on it.
        ("an entry that inflates to 1 GiB but declares 1,000 bytes", () => WithEntry(Bomb("x/data/bomb", (1L << 30) / 258, declared: 1000)),
            "is damaged (1000 bytes with CRC-32"),
        // Before: Razorvine allocated 2 GiB for the string before reading it (and 0x7FFFFFF0 bytes, past .NET's
        // largest array, escaped as OutOfMemoryException).
        ("a pickle BINBYTES declaring 2 GiB", () => WithPickle(p => [.. p[..2], (byte)'B', 0x00, 0xFF, 0xFF, 0x7F, .. p[2..]]),
            "declares 2147483392 bytes of data"),
        // Already refused before the fix (Razorvine refuses lengths past int.MaxValue); pinned.
        ("a pickle BINUNICODE8 declaring 2^62 bytes", () => WithPickle(p => [.. p[..2], 0x8D, 0, 0, 0, 0, 0, 0, 0, 0x40, .. p[2..]]),
            "declares 4611686018427387904 bytes of data"),
        // Already refused before the fix (by Razorvine); now before unpickling.
        ("a pickle with an unknown opcode", () => WithPickle(p => [.. p[..2], 0xFE, .. p[2..]]),
            "unknown pickle opcode 0xFE"),
    ];

    [Fact]
    public void Crafted_model_files_behind_a_valid_checksum_are_refused_quickly_naming_the_file_and_the_lie()
    {
        ModelCases.Length.Should().Be(ReliabilityCaseCounts.HostileModelCases);
        string seedPath = _folder.File("seed.scan");
        byte[] payload = ScanFileLayout.Payload(SaveSmallModel(seedPath));
        string path = _folder.File("model.scan");
        using var thread = new CaseThread("hostile models");
        var faults = new List<string>();
        foreach (var (name, craft, reason) in ModelCases)
        {
            File.WriteAllBytes(path, ScanFileLayout.Wrap("scan-model", 1, craft(payload)));
            Refused(thread, name, () =>
            {
                using var model = ScanModel.Load(path);
            }, $"*Scan.NET model '{path}'*{reason}*", faults);
        }
        output.WriteLine($"{ModelCases.Length} crafted model files, {ModelCases.Length - faults.Count} refused as documented");
        faults.Should().BeEmpty();
    }

    [Fact]
    public void Crafted_PyTorch_weight_files_with_valid_CRCs_are_refused_quickly_naming_the_file_and_the_lie()
    {
        WeightCases.Length.Should().Be(ReliabilityCaseCounts.HostileWeightCases);
        string path = _folder.File("weights.pt");
        using var thread = new CaseThread("hostile weights");
        var faults = new List<string>();
        foreach (var (name, craft, reason) in WeightCases)
        {
            File.WriteAllBytes(path, craft());
            Refused(thread, name, () =>
            {
                using var scope = NewDisposeScope();
                ResNetBackbone.Small(1).LoadPyTorchWeights(path);
            }, $"*'{path}' is not a readable PyTorch state dict*{reason}*", faults);
        }
        output.WriteLine($"{WeightCases.Length} crafted weight files, {WeightCases.Length - faults.Count} refused as documented");
        faults.Should().BeEmpty();
    }

    private void Refused(CaseThread thread, string name, Action load, string message, List<string> faults)
    {
        var clock = Stopwatch.StartNew();
        if (!thread.Run(load, CaseTimeout, out var error, out long allocated))
            throw new TimeoutException($"'{name}' did not finish within {CaseTimeout.TotalSeconds} s");
        output.WriteLine($"{name}: {clock.ElapsedMilliseconds} ms, {allocated / 1024} KiB managed; {error?.GetType().Name}: {error?.Message}");
        if (error is not InvalidDataException || !new Regex("^" + Regex.Escape(message).Replace(@"\*", ".*") + "$", RegexOptions.Singleline).IsMatch(error.Message))
            faults.Add($"{name}: expected InvalidDataException matching \"{message}\", got {error?.GetType().Name ?? "no exception"}: {error?.Message}");
        else if (allocated >= ManagedLimit)
            faults.Add($"{name}: allocated {allocated} bytes of managed memory, limit {ManagedLimit}");
    }

    // ---- ScanModel payloads: BinaryWriter string (the description), then TorchSharp's Module.save stream.

    private sealed record StateEntry(string Name, long DType, byte[] Header, byte[] Data);

    private static byte[] EditDescription(byte[] payload, Func<string, string> edit)
    {
        var (description, entries) = ParseModel(payload);
        string edited = edit(description);
        edited.Should().NotBe(description, "the edit must apply to the saved description");
        return WriteModel(edited, entries);
    }

    private static byte[] EditEntry(byte[] payload, int index, Func<StateEntry, StateEntry> edit)
    {
        var (description, entries) = ParseModel(payload);
        entries[index] = edit(entries[index]);
        return WriteModel(description, entries);
    }

    private static byte[] DuplicateEntry(byte[] payload, string kept, string replaced)
    {
        var (description, entries) = ParseModel(payload);
        int at = entries.FindIndex(e => e.Name == replaced);
        entries[at] = entries.Single(e => e.Name == kept);
        return WriteModel(description, entries);
    }

    // TorchSharp 0.107's Module.save: entry count (LEB128), then name, dtype code, rank, dimensions (LEB128), bytes.
    private static (string Description, List<StateEntry> Entries) ParseModel(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        string description = reader.ReadString();
        long count = ReadLeb(reader);
        var entries = new List<StateEntry>();
        for (long i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            var header = new MemoryStream();
            long dtype = ReadLeb(reader, header);
            long rank = ReadLeb(reader, header);
            long elements = 1;
            for (long d = 0; d < rank; d++)
                elements *= ReadLeb(reader, header);
            int size = dtype switch { 6 => 4, 4 => 8, _ => throw new InvalidOperationException($"dtype {dtype}") };
            entries.Add(new StateEntry(name, dtype, header.ToArray(), reader.ReadBytes((int)(elements * size))));
        }
        reader.BaseStream.Position.Should().Be(payload.Length);
        return (description, entries);
    }

    private static byte[] WriteModel(string description, List<StateEntry> entries)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(description);
        writer.Write(Leb(entries.Count));
        foreach (var e in entries)
        {
            writer.Write(e.Name);
            writer.Write(e.Header);
            writer.Write(e.Data);
        }
        writer.Flush();
        return stream.ToArray();
    }

    private static long ReadLeb(BinaryReader reader, Stream? copy = null)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = reader.ReadByte();
            copy?.WriteByte(b);
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
    }

    private static byte[] Leb(long value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return bytes.ToArray();
    }

    /// <summary>The small model of <see cref="ScanModelFuzzTests"/>: width-16 SmallResNet, 2 heads of 3, 8x8 grey.</summary>
    private static byte[] SaveSmallModel(string path)
    {
        // The stem is explicit: left to choose, a 65,535-pixel input would pick the ImageNet stem, whose weights the
        // file does not hold, and the crafted size would fail for that reason instead.
        var backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16, Stem = ResNetStem.Cifar };
        var info = new ScanModelInfo
        {
            Channels = 1, Height = 8, Width = 8, Mean = [0.5f], Std = [0.25f], Backbone = backbone,
            Clusters = 3, Heads = 2, SelectedHead = 1,
        };
        using (var model = new ScanModel(new ClusteringModel(backbone.Build(1, 8, 8), clusters: 3, heads: 2) { SelectedHead = 1 }, info))
            model.Save(path);
        return File.ReadAllBytes(path);
    }

    // ---- PyTorch state dicts: the torchvision fixture's entries, re-zipped with one crafted change.

    private static CraftedZip.Entry Bomb(string name, long matches, uint? declared)
    {
        byte[] data = CraftedZip.ZeroBomb(matches);
        long inflated = 1 + 258 * matches;
        // The CRC-32 is not computed (it would take inflating the bomb): every case is refused before it is compared.
        return new CraftedZip.Entry(name, data, 8, declared ?? (uint)inflated, 0);
    }

    private static byte[] WithEntry(CraftedZip.Entry extra)
    {
        var entries = CraftedZip.Read(Torchvision);
        entries.Insert(1, extra);   // after data.pkl, before the tensors
        return CraftedZip.Write(entries);
    }

    private static byte[] WithPickle(Func<byte[], byte[]> edit)
    {
        var entries = CraftedZip.Read(Torchvision);
        int at = entries.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        entries[at].Data[..2].Should().Equal(new byte[] { 0x80, 0x02 }, "torch.save writes pickle protocol 2");
        entries[at] = CraftedZip.Stored(entries[at].Name, edit(entries[at].Data));
        return CraftedZip.Write(entries);
    }
}
