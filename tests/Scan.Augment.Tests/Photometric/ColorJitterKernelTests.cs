using Scan.Augment.Ops;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Photometric;

/// <summary>The fused CPU ColorJitter kernel against the batched tensor form, on the same draws.</summary>
public sealed class ColorJitterKernelTests
{
    [Theory]
    [InlineData(3, 28, 28)]
    [InlineData(3, 5, 7)]
    [InlineData(1, 9, 6)]
    public void Fused_kernel_agrees_with_the_tensor_form(int channels, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(40, channels, height, width, seed: 3);
        var jitter = new ColorJitter(0.8, 0.8, 0.8, 0.5);
        long[] members = [0, 1, 2, 5, 8, 13, 21, 22, 23, 30, 34, 39];
        using var a = TestImages.Generator(12);
        using var b = TestImages.Generator(12);

        var fused = jitter.ApplyToSubset(images, members, a);
        var batched = jitter.ApplyToSubset(images, members, b, allowCpuKernel: false);

        // Tolerance: float rounding of the contrast mean (summed in a different order) and of lerp.
        TestImages.MaxAbsDifference(fused, batched).Should().BeLessThan(1e-5f);
        var untouched = Enumerable.Range(0, 40).Where(i => !members.Contains(i)).Select(i => (long)i).ToArray();
        var index = torch.tensor(untouched);
        fused.index_select(0, index).SameAs(images.index_select(0, index)).Should().BeTrue("samples not chosen are copied");
    }
}
