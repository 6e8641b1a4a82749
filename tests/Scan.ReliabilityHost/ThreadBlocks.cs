using Scan.Augment;
using Scan.Augment.Recipes;
using Scan.Core.Clustering;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.ReliabilityHost;

/// <summary>
/// Every building block of a SCAN run computed on fixed inputs, for comparing libtorch thread counts across
/// processes (<c>blocks --threads N --out FILE</c>): weight initialisation, augmentation (SimCLR, strong and weak
/// views), backbone and projection forward passes (train and eval mode, batch-norm running statistics), every
/// parameter's gradient through NT-Xent and through the SCAN loss (convolutions, batch norms, linear heads), the three
/// losses and their input gradients on fixed logits, kNN mining, k-means, and SGD and Adam steps. The inputs come from
/// <see cref="Random"/> with fixed seeds, not from libtorch, so only the computation can depend on the thread count.
/// Sizes are large enough for libtorch's and our own parallel loops to split the work (more than 32,768 elements).
/// </summary>
public static class ThreadBlocks
{
    /// <summary>Computes every block with <paramref name="threads"/> libtorch intra-op threads.</summary>
    public static SortedDictionary<string, Block> Run(int threads)
    {
        torch.set_num_threads(threads);
        var blocks = new SortedDictionary<string, Block>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        var random = new Random(7);

        // Weight initialisation from the global generator (what WithSeed seeds).
        torch.random.manual_seed(1);
        var backbone = new BackboneOptions { Architecture = BackboneArchitecture.SmallResNet, Width = 16, Stem = ResNetStem.Cifar }.Build(3, 32, 32);
        var contrastive = new ContrastiveModel(backbone, projectionDim: 16);
        foreach (var (name, p) in contrastive.named_parameters())
            blocks[$"init/{name}"] = Block.Of(p);

        // Augmentation of 256 RGB 32x32 images (RandAugment splits batches this large over the threads).
        using var images = Uniform(random, 256, 3, 32, 32);
        var stats = new NormalizationStats([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        Augment(blocks, "augment/simclr", AugmentationRecipes.SimClr(stats), images, 11);
        Augment(blocks, "augment/strong", AugmentationRecipes.Strong(stats), images, 12);
        Augment(blocks, "augment/weak", AugmentationRecipes.Weak(stats), images, 13);

        // Forward passes and NT-Xent gradients through the contrastive model on two fixed views of 64 images.
        using var view1 = Normal(random, 64, 3, 32, 32);
        using var view2 = Normal(random, 64, 3, 32, 32);
        contrastive.train();
        using (var features = backbone.call(view1))
            blocks["forward/backbone-train"] = Block.Of(features);
        foreach (var (name, b) in contrastive.named_buffers())
            blocks[$"forward/buffers-after-train/{name}"] = Block.Of(b);
        using (var z = contrastive.call(cat([view1, view2])))
        using (var ntxent = new NTXentLoss(0.5))
        {
            blocks["forward/projections-train"] = Block.Of(z);
            using var loss = ntxent.call(z[..64], z[64..]);
            blocks["loss/ntxent-through-model"] = Block.Of(loss);
            loss.backward();
        }
        foreach (var (name, p) in contrastive.named_parameters())
            blocks[$"grad-ntxent/{name}"] = Block.Of(p.grad!);
        contrastive.zero_grad();
        contrastive.eval();
        using (no_grad())
        using (var features = backbone.call(view1))
            blocks["forward/backbone-eval"] = Block.Of(features);

        // SCAN loss gradients through a clustering model (2 linear heads of 10 clusters).
        torch.random.manual_seed(2);
        var clustering = new ClusteringModel(backbone, clusters: 10, heads: 2);
        clustering.train();
        using (var anchor = clustering.ForwardHead(0, backbone.call(view1)))
        using (var neighbor = clustering.ForwardHead(0, backbone.call(view2)))
        using (var result = new ScanLoss(5.0).Compute(anchor, neighbor))
        {
            blocks["loss/scan-through-model"] = Block.Of(result.Total);
            result.Total.backward();
        }
        foreach (var (name, p) in clustering.named_parameters())
            if (p.grad is { } g)
                blocks[$"grad-scan/{name}"] = Block.Of(g);

        // The losses alone on fixed logits: values and input gradients.
        using (var z1 = Normal(random, 512, 128).requires_grad_())
        using (var z2 = Normal(random, 512, 128).requires_grad_())
        using (var ntxent = new NTXentLoss(0.1))
        using (var loss = ntxent.call(z1, z2))
        {
            loss.backward();
            blocks["loss/ntxent"] = Block.Of(loss);
            blocks["loss/ntxent-grad"] = Block.Of(z1.grad!);
        }
        using (var a = Normal(random, 4096, 10).requires_grad_())
        using (var n = Normal(random, 4096, 10).requires_grad_())
        using (var result = new ScanLoss(5.0).Compute(a, n))
        {
            result.Total.backward();
            blocks["loss/scan"] = Block.Of(stack([result.Total, result.Consistency, result.Entropy]));
            blocks["loss/scan-grad"] = Block.Of(a.grad!);
        }
        using (var weak = (Normal(random, 4096, 10) * 4).detach())
        using (var strong = Normal(random, 4096, 10).requires_grad_())
        using (var result = new ConfidenceCrossEntropyLoss(0.9).Compute(weak, strong))
        {
            result.Loss.backward();
            blocks["loss/self-label"] = Block.Of(result.Loss);
            blocks["loss/self-label-grad"] = Block.Of(strong.grad!);
        }

        // kNN mining and k-means on 2,048 fixed 64-dimensional features.
        using var mined = Normal(random, 2048, 64);
        var neighbours = new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 20 }).Mine(mined);
        blocks["mining/indices"] = Block.Of(neighbours.Indices.ToArray());
        blocks["mining/similarities"] = Block.Of(neighbours.Similarities.ToArray());
        var kmeans = KMeans.Fit(mined, new KMeansOptions { Clusters = 10, Inits = 3, Seed = 3 });
        blocks["kmeans/assignments"] = Block.Of(kmeans.Assignments);
        blocks["kmeans/centroids"] = Block.Of(kmeans.Centroids);
        blocks["kmeans/inertia"] = Block.Of([(float)kmeans.Inertia]);

        // Optimizer steps on 200,000 parameters with fixed gradients (as the trainers configure them).
        Optimize(blocks, "optimizer/sgd", random, p => optim.SGD(p, 0.1, momentum: 0.9, weight_decay: 1e-4));
        Optimize(blocks, "optimizer/adam", random, p => optim.Adam(p, 1e-3, weight_decay: 1e-4));
        return blocks;
    }

    private static void Augment(SortedDictionary<string, Block> blocks, string name, IAugmentation augmentation, Tensor images, ulong seed)
    {
        using var generator = new Generator(seed);
        using var output = augmentation.Apply(images, generator);
        blocks[name] = Block.Of(output);
    }

    private static void Optimize(SortedDictionary<string, Block> blocks, string name, Random random,
        Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> create)
    {
        using var parameter = new TorchSharp.Modules.Parameter(Normal(random, 200_000));
        using var optimizer = create([parameter]);
        for (int step = 0; step < 3; step++)
        {
            using (no_grad())
                parameter.grad = Normal(random, 200_000);
            optimizer.step();
        }
        blocks[name] = Block.Of(parameter);
    }

    private static Tensor Uniform(Random random, params long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextSingle();
        return tensor(values).reshape(shape);
    }

    private static Tensor Normal(Random random, params long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return tensor(values).reshape(shape);
    }

    /// <summary>Writes <paramref name="blocks"/> to <paramref name="path"/> (see <see cref="Read"/>).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Block> blocks)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(blocks.Count);
        foreach (var (name, block) in blocks)
        {
            writer.Write(name);
            writer.Write(block.IsInteger);
            writer.Write(block.Shape.Length);
            foreach (long d in block.Shape)
                writer.Write(d);
            writer.Write(block.Bits.Length);
            foreach (int bits in block.Bits)
                writer.Write(bits);
        }
    }

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    public static SortedDictionary<string, Block> Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var blocks = new SortedDictionary<string, Block>(StringComparer.Ordinal);
        int count = reader.ReadInt32();
        for (int b = 0; b < count; b++)
        {
            string name = reader.ReadString();
            bool integer = reader.ReadBoolean();
            var shape = new long[reader.ReadInt32()];
            for (int i = 0; i < shape.Length; i++)
                shape[i] = reader.ReadInt64();
            var bits = new int[reader.ReadInt32()];
            for (int i = 0; i < bits.Length; i++)
                bits[i] = reader.ReadInt32();
            blocks[name] = new Block(integer, shape, bits);
        }
        return blocks;
    }
}

/// <summary>One block's output: int32 values, or float32 values kept as their bit patterns (so a comparison is exact).</summary>
/// <param name="IsInteger">Whether <paramref name="Bits"/> are int32 values rather than float32 bit patterns.</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Bits">The values, row-major.</param>
public sealed record Block(bool IsInteger, long[] Shape, int[] Bits)
{
    /// <summary>The values as float32 (only for float blocks).</summary>
    public float[] Floats => Bits.Select(BitConverter.Int32BitsToSingle).ToArray();

    /// <summary>A float32 tensor's values.</summary>
    public static Block Of(Tensor t)
    {
        using var values = t.detach().contiguous().to_type(ScalarType.Float32);
        return new Block(false, t.shape, values.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray());
    }

    /// <summary>int32 values.</summary>
    public static Block Of(int[] values) => new(true, [values.Length], values);

    /// <summary>float32 values.</summary>
    public static Block Of(float[] values) => new(false, [values.Length], values.Select(BitConverter.SingleToInt32Bits).ToArray());
}
