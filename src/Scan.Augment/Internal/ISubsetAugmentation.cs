using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Internal;

/// <summary>
/// An op that can transform chosen samples of a batch directly. <see cref="Ops.RandomApply"/> uses it to skip
/// gathering the chosen samples, copying the batch and scattering them back.
/// </summary>
internal interface ISubsetAugmentation : IAugmentation
{
    /// <summary>
    /// A new batch in which the samples <paramref name="members"/> (ascending) are transformed exactly as
    /// <see cref="IAugmentation.Apply"/> transforms images.index_select(0, members), drawing the same random
    /// numbers; the other samples are copied unchanged.
    /// </summary>
    Tensor ApplyToSubset(Tensor images, IReadOnlyList<long> members, Generator generator);

    /// <summary>As <see cref="ApplyToSubset"/>, overwriting <paramref name="images"/> (contiguous, owned by the caller).</summary>
    void ApplyToSubsetInPlace(Tensor images, IReadOnlyList<long> members, Generator generator);
}
