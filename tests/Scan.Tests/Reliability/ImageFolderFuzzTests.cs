using Scan.Core.Data;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Folders holding one damaged image among valid ones against <see cref="ImageFolderDataset.Load"/>, which documents
/// <see cref="InvalidDataException"/> naming the file for an undecodable image, and with
/// <see cref="ImageFolderOptions.SkipUndecodable"/> leaves it out and lists it instead.
/// </summary>
public sealed class ImageFolderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Formats = ["png", "jpg", "bmp", "gif"];
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false, 501)]
    [InlineData(true, 502)]
    public void A_damaged_image_in_a_class_folder_fails_the_load_or_is_skipped(bool skipUndecodable, int seed)
    {
        // Two classes with one image of each format; each case damages one of them.
        var seeds = Formats.ToDictionary(f => f, f => ImageDecoderFuzzTests.Seed(f));
        var files = new List<(string Path, string Format)>();
        foreach (string label in new[] { "cats", "dogs" })
            foreach (string format in Formats)
            {
                string path = _folder.File(Path.Combine("root", label, $"{label}.{format}"));
                File.WriteAllBytes(path, seeds[format].Content);
                files.Add((path, format));
            }

        var options = new ImageFolderOptions { Height = 8, Width = 8, SkipUndecodable = skipUndecodable, MaxDegreeOfParallelism = 1 };
        string root = Path.Combine(_folder.Path, "root");
        var fuzzer = new LoaderFuzzer($"ImageFolderDataset.Load, SkipUndecodable = {skipUndecodable}", output, typeof(InvalidDataException));
        var mutator = new Mutator(seed);
        for (int i = 0; i < ReliabilityCaseCounts.ImageFolderMutants; i++)
        {
            var (path, format) = files[i % files.Count];
            var (content, fields) = seeds[format];
            fuzzer.Try(mutator.Next(content, fields), path, () =>
            {
                using var dataset = ImageFolderDataset.Load(root, options);
                (dataset.Count + dataset.Skipped.Count).Should().Be(files.Count);
                foreach (var skipped in dataset.Skipped)
                    (skipped.Path, skipped.Reason.Contains(path)).Should().Be((path, true), "only the damaged file may be skipped, and its reason names it");
                using var batch = dataset.GetBytes(Enumerable.Range(0, dataset.Count).ToArray());
            });
            File.WriteAllBytes(path, content);
        }

        fuzzer.Finish(ReliabilityCaseCounts.ImageFolderMutants);
    }
}
