using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Augment;

/// <summary>Reads raw IDX image bytes (Fashion-MNIST) into a float (N, 1, H, W) tensor in [0, 1], for the augmentation benchmarks only.</summary>
internal static class FashionMnistImages
{
    internal const string DefaultPath = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    // IDX magic number of unsigned-byte, 3-dimensional data (images).
    private const int ImageMagic = 2051;

    internal static Tensor Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Fashion-MNIST images not found at {path}; install Debian's dataset-fashion-mnist or pass --data <file>.", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.GetBuffer().AsSpan(0, (int)memory.Length);
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != ImageMagic)
            throw new InvalidDataException($"{path}: IDX image magic {ImageMagic} expected, found {magic}.");
        var (count, rows, cols) = (BinaryPrimitives.ReadInt32BigEndian(bytes[4..]), BinaryPrimitives.ReadInt32BigEndian(bytes[8..]), BinaryPrimitives.ReadInt32BigEndian(bytes[12..]));
        var pixels = bytes.Slice(16, count * rows * cols).ToArray();
        return torch.tensor(pixels, [count, 1, rows, cols]).to_type(ScalarType.Float32).div_(255f);
    }
}
