using Scan.Core.Data;

namespace Scan.ReliabilityHost;

/// <summary>
/// Four classes of 16x16 grey images with a known answer: a bright horizontal band at rows [4c, 4c + 4) on a dark
/// background, plus Gaussian noise (σ = 0.1) from a seeded <see cref="Random"/>, so every process builds the same bytes.
/// </summary>
public static class BandImages
{
    /// <summary>Side of the square images.</summary>
    public const int Size = 16;

    /// <summary>Number of classes.</summary>
    public const int Classes = 4;

    /// <summary>Creates <paramref name="perClass"/> images of every class, interleaved (label i mod 4).</summary>
    public static InMemoryImageDataset Create(int perClass, int seed = 1)
    {
        var (pixels, labels) = Bytes(perClass, seed);
        var names = Enumerable.Range(0, Classes).Select(c => $"band{c}").ToArray();
        return InMemoryImageDataset.FromBytes(pixels, 1, Size, Size, labels, names);
    }

    /// <summary>
    /// The same images as IDX files in <paramref name="folder"/> (images.idx, labels.idx; written if missing), opened
    /// as an <see cref="IdxDataset"/>, whose pixels are read from the file as batches need them.
    /// </summary>
    public static IdxDataset CreateIdx(string folder, int perClass, int seed = 1)
    {
        string images = Path.Combine(folder, "images.idx"), labelsPath = Path.Combine(folder, "labels.idx");
        if (!File.Exists(images) || !File.Exists(labelsPath))
            WriteIdx(folder, perClass, seed);
        return IdxDataset.Open(images, labelsPath, Enumerable.Range(0, Classes).Select(c => $"band{c}").ToArray());
    }

    /// <summary>Writes images.idx and labels.idx (LeCun's IDX: big-endian magic 0x0803/0x0801 and sizes, then bytes).</summary>
    public static void WriteIdx(string folder, int perClass, int seed = 1)
    {
        var (pixels, labels) = Bytes(perClass, seed);
        Directory.CreateDirectory(folder);
        static byte[] Int(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
        File.WriteAllBytes(Path.Combine(folder, "images.idx"), [.. Int(0x803), .. Int(labels.Length), .. Int(Size), .. Int(Size), .. pixels]);
        File.WriteAllBytes(Path.Combine(folder, "labels.idx"), [.. Int(0x801), .. Int(labels.Length), .. labels.Select(l => (byte)l)]);
    }

    private static (byte[] Pixels, int[] Labels) Bytes(int perClass, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        var random = new Random(seed);
        int count = perClass * Classes, band = Size / Classes;
        var pixels = new byte[count * Size * Size];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % Classes;
            for (int y = 0; y < Size; y++)
            {
                for (int x = 0; x < Size; x++)
                {
                    double value = y / band == labels[i] ? 1.0 : 0.0;
                    // Box-Muller: one standard normal draw from two uniforms.
                    double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                    value = Math.Clamp(value + 0.1 * normal, 0, 1);
                    pixels[(i * Size + y) * Size + x] = (byte)Math.Round(value * 255);
                }
            }
        }
        return (pixels, labels);
    }
}
