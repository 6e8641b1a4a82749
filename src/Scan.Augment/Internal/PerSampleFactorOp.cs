using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>Shared body of the photometric ops with one uniform random factor per sample.</summary>
internal static class PerSampleFactorOp
{
    internal static Tensor Apply(Tensor images, Generator generator, double min, double max, Func<Tensor, Tensor, Tensor> kernel)
    {
        ImageBatch.Validate(images, generator);
        using var scope = torch.NewDisposeScope();
        var factors = RandomDraws.PerSample(RandomDraws.Uniform(images.shape[0], min, max, generator), images.device);
        return kernel(images, factors).MoveToOuterDisposeScope();
    }
}
