using static TorchSharp.torch;

namespace Scan.Augment.Tests.Support;

internal static class TensorComparisons
{
    /// <summary>Same shape and bit-identical values.</summary>
    internal static bool SameAs(this Tensor actual, Tensor expected) =>
        actual.shape.SequenceEqual(expected.shape) && actual.eq(expected).all().item<bool>();
}
