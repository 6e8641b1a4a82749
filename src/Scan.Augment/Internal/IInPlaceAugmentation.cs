using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// An op that can overwrite a batch it is given instead of allocating a new one. A pipeline uses it on the
/// intermediate batches it owns: on the CPU, allocating and releasing image-sized buffers for every step made the
/// allocator touch fresh pages each time, which cost several times the augmentation itself.
/// </summary>
internal interface IInPlaceAugmentation : IAugmentation
{
    /// <summary>
    /// Overwrites <paramref name="images"/> (contiguous, owned by the caller, same shape in and out) with what
    /// <see cref="IAugmentation.Apply"/> would return, drawing the same random numbers.
    /// </summary>
    void ApplyInPlace(Tensor images, Generator generator);
}
