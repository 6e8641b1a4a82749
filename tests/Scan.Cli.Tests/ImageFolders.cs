using Scan.Core.Evaluation;
using static TorchSharp.torch;

namespace Scan.Cli.Tests;

/// <summary>Small folders of generated images for the tool to cluster.</summary>
internal static class ImageFolders
{
    /// <summary>A temporary folder, deleted on dispose.</summary>
    public sealed class Temporary : IDisposable
    {
        public Temporary()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scan-cli-tests-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Sub(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold a file for a moment; the folder is in the temp directory anyway.
            }
        }
    }

    /// <summary>
    /// <paramref name="perKind"/> 16x16 grayscale PNGs of each of two kinds, horizontal and vertical stripes with
    /// noise, directly in <paramref name="folder"/> (no sub-folders, so no labels).
    /// </summary>
    public static void WriteStripes(string folder, int perKind, int seed = 1)
    {
        Directory.CreateDirectory(folder);
        using var generator = new Generator((ulong)seed);
        for (int kind = 0; kind < 2; kind++)
        {
            for (int i = 0; i < perKind; i++)
            {
                using var scope = NewDisposeScope();
                var stripes = arange(16).remainder(4).lt(2).to(float32).view(16, 1);
                var image = (kind == 0 ? stripes.expand(16, 16) : stripes.t().expand(16, 16)) * 0.8f + 0.1f;
                var noisy = (image + 0.1f * randn(new long[] { 16, 16 }, generator: generator)).clamp(0, 1).view(1, 1, 16, 16);
                ImageGrid.WritePng(noisy, System.IO.Path.Combine(folder, $"{(kind == 0 ? "h" : "v")}{i:00}.png"),
                    new ImageGridOptions { Columns = 1, Padding = 0 });
            }
        }
    }
}
