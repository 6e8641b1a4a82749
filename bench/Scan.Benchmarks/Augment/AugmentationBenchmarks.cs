using BenchmarkDotNet.Attributes;
using Scan.Augment;
using Scan.Augment.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Benchmarks.Augment;

/// <summary>
/// One view of a 256-image batch per recipe (28x28, grey or RGB, synthetic pixels), Scan.Augment alone; the
/// side-by-side figures against torchvision come from <see cref="AugmentVsTorchvision"/>.
/// Run: <c>dotnet run -c Release --project bench/Scan.Benchmarks -- --filter '*AugmentationBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class AugmentationBenchmarks
{
    private Tensor images = null!;
    private Generator generator = null!;
    private IAugmentation simClr = null!;
    private IAugmentation strong = null!;
    private IAugmentation weak = null!;

    [Params(1, 3)]
    public int Channels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        generator = new Generator(0);
        images = torch.rand([256, Channels, 28, 28], ScalarType.Float32, generator: generator);
        simClr = AugmentationRecipes.SimClr(NormalizationStats.FashionMnist);
        strong = AugmentationRecipes.Strong(NormalizationStats.FashionMnist);
        weak = AugmentationRecipes.Weak(NormalizationStats.FashionMnist);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        images.Dispose();
        generator.Dispose();
    }

    [Benchmark]
    public void SimClrView() => Run(simClr);

    [Benchmark]
    public void StrongView() => Run(strong);

    [Benchmark]
    public void WeakView() => Run(weak);

    private void Run(IAugmentation augmentation)
    {
        using var scope = torch.NewDisposeScope();
        augmentation.Apply(images, generator);
    }
}
