using Scan.Core.Data;
using Scan.Core.Mining;
using Scan.Tests.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>Bad arguments to the mining step: <see cref="FeatureExtractor"/>, <see cref="NeighborMiner"/> and the
/// neighbour sets they produce.</summary>
public sealed class BadInputMiningTests
{
    private static readonly Type Arg = typeof(ArgumentException);
    private static readonly Type Range = typeof(ArgumentOutOfRangeException);
    private static readonly Type Null = typeof(ArgumentNullException);

    private static readonly SyntheticImages Data = new(perClass: 4, classes: 4);   // 16 images of 16x16

    private static void Mine(Func<Tensor> features, int k = 3)
    {
        using var f = features();
        new NeighborMiner(new NeighborMinerOptions { NumNeighbors = k }).Mine(f);
    }

    private static void Embed(Func<Tensor, Tensor> encoder, IImageDataset? dataset = null, int batch = 8) =>
        FeatureExtractor.Embed(dataset ?? Data, encoder, new FeatureExtractorOptions { BatchSize = batch }).Dispose();

    private static IEnumerable<BadInput> Rows()
    {
        yield return BadInput.Sync("NeighborMiner: K = 0", () => new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 0 }), Arg, "options", "NeighborMinerOptions: NumNeighbors", "Found 0.");
        yield return BadInput.Sync("NeighborMiner: chunk size 0", () => new NeighborMiner(new NeighborMinerOptions { ChunkSize = 0 }), Arg, "options", "NeighborMinerOptions: ChunkSize", "Found 0.");
        yield return BadInput.Sync("NeighborMiner: negative memory budget", () => new NeighborMiner(new NeighborMinerOptions { ScoreMemoryBudgetBytes = -1 }), Arg, "options", "NeighborMinerOptions: ScoreMemoryBudgetBytes", "Found -1.");
        yield return BadInput.Sync("NeighborMiner.Mine: null features", () => new NeighborMiner().Mine(null!), Null, "features");
        yield return BadInput.Sync("NeighborMiner.Mine: rank 1", () => Mine(() => randn(10)), Arg, "features", "(N, D)", "shape (10)");
        yield return BadInput.Sync("NeighborMiner.Mine: rank 3", () => Mine(() => randn(10, 4, 2)), Arg, "features", "shape (10, 4, 2)");
        yield return BadInput.Sync("NeighborMiner.Mine: no columns", () => Mine(() => randn(10, 0)), Arg, "features", "shape (10, 0)");
        yield return BadInput.Sync("NeighborMiner.Mine: int64 features", () => Mine(() => ones(new long[] { 10, 4 }, int64)), Arg, "features", "Int64");
        yield return BadInput.Sync("NeighborMiner.Mine: K = N", () => Mine(() => randn(5, 4), k: 5), Range, "features", "NumNeighbors = 5", "5 rows");
        yield return BadInput.Sync("NeighborMiner.Mine: K > N", () => Mine(() => randn(5, 4), k: 20), Range, "features", "NumNeighbors = 20", "5 rows");
        yield return BadInput.Sync("NeighborMiner.Mine: empty features", () => Mine(() => randn(0, 4)), Range, "features", "0 rows");
        yield return BadInput.Sync("NeighborMiner.Mine: all-zero row", () => Mine(() => { var f = randn(10, 4); f[6] = zeros(4); return f; }), Arg, "features", "Row 6");
        yield return BadInput.Sync("NeighborMiner.Mine: features on the meta device", () => Mine(() => randn(10, 4, device: META)), Arg, "features", "meta");

        yield return BadInput.Sync("FeatureExtractor.Embed: null dataset", () => FeatureExtractor.Embed(null!, x => x), Null, "dataset");
        yield return BadInput.Sync("FeatureExtractor.Embed: null encoder", () => FeatureExtractor.Embed(Data, null!), Null, "encoder");
        yield return BadInput.Sync("FeatureExtractor.Embed: batch size 0", () => Embed(x => x.flatten(1), batch: 0), Arg, "options", "FeatureExtractorOptions: BatchSize", "Found 0.");
        yield return BadInput.Sync("FeatureExtractor.Embed: empty dataset", () =>
        {
            using var none = zeros(0, 1, 4, 4);
            Embed(x => x.flatten(1), new InMemoryImageDataset(none));
        }, Arg, "dataset", "no images");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder returns rank 4", () => Embed(x => x.clone()), Arg, "encoder", "(8, D)", "(8, 1, 16, 16)");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder drops a row", () => Embed(x => x.flatten(1).narrow(0, 1, x.shape[0] - 1)), Arg, "encoder", "(8, D)", "(7, 256)");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder returns int64", () => Embed(x => x.flatten(1).to(int64)), Arg, "encoder", "Int64");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder returns null", () => Embed(_ => null!), Arg, "encoder", "returned null");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder width changes", () =>
        {
            int calls = 0;
            Embed(x => x.flatten(1).narrow(1, 0, ++calls == 1 ? 8 : 9));
        }, Arg, "encoder", "9 features", "8 for the first batch");
        yield return BadInput.Sync("FeatureExtractor.Embed: encoder returns meta tensors", () => Embed(x => x.flatten(1).to(META)), Arg, "encoder", "meta");

        yield return BadInput.Sync("NeighborSet: index out of range", () => new NeighborSet(3, 1, new[] { 1, 2, 3 }, new float[3]), Arg, "indices", "anchor 2 is 3", "[0, 3)");
        yield return BadInput.Sync("NeighborSet: NaN similarity", () => new NeighborSet(3, 1, new[] { 1, 2, 0 }, new[] { 1f, float.NaN, 1f }), Arg, "similarities", "anchor 1 is NaN");
        yield return BadInput.Sync("NeighborSet: K = N", () => new NeighborSet(3, 3, new int[9], new float[9]), Range, "numNeighbors", "got 3");
        yield return BadInput.Sync("NeighborPurity: labels for other anchors", () => NeighborPurity.Compute(new NeighborSet(3, 1, new[] { 1, 2, 0 }, new float[3]), new[] { 0, 1 }), Arg, "labels", "(3)", "2 labels");
        yield return BadInput.Sync("NeighborPurity: topK above K", () => NeighborPurity.Compute(new NeighborSet(3, 1, new[] { 1, 2, 0 }, new float[3]), new[] { 0, 1, 1 }, topK: 2), Range, "topK", "got 2");
    }

    public static TheoryData<string> Names() => BadInputTable.Names(Rows());

    [Theory]
    [MemberData(nameof(Names))]
    public Task Is_refused_naming_the_argument_and_the_value(string row) => BadInputTable.Check(Rows(), row);
}
