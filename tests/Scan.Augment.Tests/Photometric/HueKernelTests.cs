using Scan.Augment.Internal;
using Scan.Augment.Kernels;
using Scan.Augment.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Tests.Photometric;

/// <summary>The CPU SIMD hue kernel against the tensor form, including sizes that leave a scalar tail.</summary>
public sealed class HueKernelTests
{
    [Theory]
    [InlineData(28, 28)]
    [InlineData(5, 7)]
    [InlineData(1, 3)]
    public void Simd_kernel_agrees_with_the_tensor_form(int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(37, 3, height, width, seed: 23);
        // Quantised copies add exact ties between channels (the sector rule) and grey pixels (chroma 0).
        images.narrow(0, 0, 12).mul_(4).round_().div_(4);
        using var generator = TestImages.Generator(2);
        var shifts = RandomDraws.PerSample(RandomDraws.Uniform(37, -0.5, 0.5, generator), images.device);

        HueCpuKernel.CanRun(images).Should().BeTrue();
        var simd = HueCpuKernel.Hue(images, shifts);
        var tensor = ColorKernels.HueTensor(images, shifts);

        TestImages.MaxAbsDifference(simd, tensor).Should().BeLessThan(2e-6f);
    }

    [Fact]
    public void Non_contiguous_batches_take_the_tensor_form()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Random(4, 3, 6, 8).transpose(2, 3);

        HueCpuKernel.CanRun(images).Should().BeFalse();
        var shifts = torch.full(4, 1, 1, 1, 0.25f);
        TestImages.MaxAbsDifference(ColorKernels.Hue(images, shifts), ColorKernels.HueTensor(images.contiguous(), shifts)).Should().BeLessThan(2e-6f);
    }
}
