using Scan.Augment.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Augment.Ops;

/// <summary>
/// Ops applied in sequence (torchvision Compose). Runs of consecutive geometric ops with compatible resampling
/// (e.g. RandomResizedCrop then HorizontalFlip) are fused into a single grid_sample. Immutable.
/// Built by <see cref="AugmentationBuilder"/> or directly.
/// </summary>
public sealed class AugmentationPipeline : IAugmentation
{
    private readonly IReadOnlyList<IAugmentation> stages;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="steps">The ops, in order; may be empty (the pipeline then copies its input).</param>
    /// <exception cref="ArgumentNullException"><paramref name="steps"/> or one of its items is null.</exception>
    public AugmentationPipeline(IEnumerable<IAugmentation> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var list = steps.ToList();
        for (var i = 0; i < list.Count; i++)
            if (list[i] is null)
                throw new ArgumentNullException(nameof(steps), $"steps[{i}] is null.");
        Steps = list;
        stages = Fuse(list);
    }

    /// <summary>The ops, in order.</summary>
    public IReadOnlyList<IAugmentation> Steps { get; }

    /// <summary>Number of resamplings and other passes actually run (fused geometric runs count once).</summary>
    internal int StageCount => stages.Count;

    /// <inheritdoc />
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        if (stages.Count == 0)
            return images.clone();

        using var scope = torch.NewDisposeScope();
        var current = images;
        foreach (var stage in stages)
        {
            // Intermediates this pipeline owns are overwritten where the op allows: fewer image-sized buffers.
            if (!ReferenceEquals(current, images) && current.is_contiguous() &&
                stage is IInPlaceAugmentation inPlace and not IAffineAugmentation { IsAffine: true })
            {
                inPlace.ApplyInPlace(current, generator);
                continue;
            }

            var next = stage.Apply(current, generator);
            // Release intermediates at once: fewer image-sized buffers alive keeps the allocator reusing memory.
            if (!ReferenceEquals(current, images) && !ReferenceEquals(current, next))
                current.Dispose();
            current = next;
        }

        return current.MoveToOuterDisposeScope();
    }

    private static List<IAugmentation> Fuse(List<IAugmentation> steps)
    {
        var stages = new List<IAugmentation>();
        var run = new List<IAffineAugmentation>();
        var sampling = default(AffineSampling);

        void Flush()
        {
            if (run.Count == 1)
                stages.Add(run[0]);
            else if (run.Count > 1)
                stages.Add(new AffineChain(run.ToList(), sampling));
            run.Clear();
            sampling = default;
        }

        foreach (var step in steps)
        {
            if (step is IAffineAugmentation { IsAffine: true } affine)
            {
                if (!AffineChain.CanJoin(sampling, affine, out var merged))
                {
                    Flush();
                    merged = affine.Sampling;
                }

                run.Add(affine);
                sampling = merged;
                continue;
            }

            Flush();
            stages.Add(step);
        }

        Flush();
        return stages;
    }
}
