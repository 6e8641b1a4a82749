using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>Returns a copy of the batch. One of SCAN's strong ops (a draw that leaves the sample as it is).</summary>
public sealed class Identity : IAugmentation
{
    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        return images.clone();
    }
}
