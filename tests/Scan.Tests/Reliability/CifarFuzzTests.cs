using Scan.Core.Data;
using Xunit.Abstractions;
using static Scan.Tests.Data.DatasetFileWriters;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged CIFAR-10 and CIFAR-100 binary files against <see cref="CifarDataset.OpenFiles"/>, which documents
/// <see cref="InvalidDataException"/> naming the file for bad content. The format has no header: the length and the
/// label bytes are all a reader can check, so label bytes are corrupted as header fields.
/// </summary>
public sealed class CifarFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Records = 4, ImageBytes = 3 * 32 * 32;
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(CifarVariant.Cifar10, ReliabilityCaseCounts.Cifar10Mutants, 201)]
    [InlineData(CifarVariant.Cifar100Coarse, ReliabilityCaseCounts.Cifar100CoarseMutants, 202)]
    [InlineData(CifarVariant.Cifar100Fine, ReliabilityCaseCounts.Cifar100FineMutants, 203)]
    public void Damaged_files_are_rejected_or_read_in_bounds(CifarVariant variant, int cases, int seed)
    {
        int labelBytes = variant == CifarVariant.Cifar10 ? 1 : 2, record = labelBytes + ImageBytes;
        var content = CifarRecords(Enumerable.Range(0, Records)
            .Select(r => (Labels: Enumerable.Range(0, labelBytes).Select(l => (byte)(r + 3 * l)).ToArray(), Pixels: Bytes(ImageBytes, seed: r)))
            .ToList());
        var labelFields = Enumerable.Range(0, Records)
            .SelectMany(r => Enumerable.Range(0, labelBytes).Select(l => new HeaderField($"record {r} label byte {l}", r * record + l, 1)))
            .ToArray();
        string path = _folder.File("data_batch_1.bin");
        var fuzzer = new LoaderFuzzer($"CifarDataset.OpenFiles, {variant}", output, typeof(InvalidDataException));

        fuzzer.Run(cases, new Mutator(seed), content, path, () =>
        {
            using var dataset = CifarDataset.OpenFiles([path], variant);
            using var bytes = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
            dataset.Labels!.Should().OnlyContain(l => l >= 0 && l < dataset.ClassNames!.Count);
        }, labelFields);
        fuzzer.Finish(cases);
    }
}
