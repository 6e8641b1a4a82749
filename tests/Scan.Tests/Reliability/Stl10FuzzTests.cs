using Scan.Core.Data;
using Xunit.Abstractions;
using static Scan.Tests.Data.DatasetFileWriters;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged STL-10 image and label files against <see cref="Stl10Dataset.OpenFiles"/>, which documents
/// <see cref="InvalidDataException"/> naming the file for bad content. The format has no header; its label bytes are
/// corrupted as header fields.
/// </summary>
public sealed class Stl10FuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Count = 2;
    private static readonly byte[] Images = Stl10Images(Count, (n, c, y, x) => (byte)(n * 50 + c * 20 + y + x));
    private static readonly byte[] Labels = [1, 10];
    private static readonly HeaderField[] LabelFields = Enumerable.Range(0, Count).Select(i => new HeaderField($"label {i}", i, 1)).ToArray();
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Damaged_image_and_label_files_are_rejected_or_read_in_bounds()
    {
        string images = _folder.File("train_X.bin"), labels = _folder.File("train_y.bin");
        void Load()
        {
            using var dataset = Stl10Dataset.OpenFiles(images, labels);
            using var bytes = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
            dataset.Labels!.Should().OnlyContain(l => l >= 0 && l < 10);
        }

        var imageFuzzer = new LoaderFuzzer("Stl10Dataset.OpenFiles, images file", output, typeof(InvalidDataException));
        File.WriteAllBytes(labels, Labels);
        imageFuzzer.Run(ReliabilityCaseCounts.Stl10ImageMutants, new Mutator(301), Images, images, Load);
        imageFuzzer.Finish(ReliabilityCaseCounts.Stl10ImageMutants);

        var labelFuzzer = new LoaderFuzzer("Stl10Dataset.OpenFiles, labels file", output, typeof(InvalidDataException));
        File.WriteAllBytes(images, Images);
        labelFuzzer.Run(ReliabilityCaseCounts.Stl10LabelMutants, new Mutator(302), Labels, labels, Load, LabelFields);
        labelFuzzer.Finish(ReliabilityCaseCounts.Stl10LabelMutants);
    }
}
