using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Models;

/// <summary>
/// torchvision's <c>BatchNorm2d</c> (same state_dict keys, same arithmetic), minus one TorchSharp race.
/// </summary>
/// <remarks>
/// TorchSharp's <see cref="BatchNorm"/> counts batches with <c>num_batches_tracked.add_(1)</c>. That builds two
/// temporary <see cref="Scalar"/> objects whose only owner is the call itself; once their handles are read they are
/// unreachable, so a garbage collection triggered by another thread can finalize (free) them while libtorch is still
/// reading them. Two pipelines training at once hit it as "Expected false to be true ... toLong" in
/// <c>ConcurrencyTests</c>. The two scalars here live as long as the process, so no finalizer can run under the call.
/// </remarks>
internal sealed class BatchNorm2dWithoutTemporaries : BatchNorm
{
    private static readonly Scalar One = 1L.ToScalar();

    public BatchNorm2dWithoutTemporaries(long features)
        : base(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null,
            name: nameof(BatchNorm2d))
    {
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training && num_batches_tracked is { } tracked)
            tracked.add_(One, One);
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.1, eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
            throw new ArgumentException($"BatchNorm2d expects a 4-D (N, C, H, W) input but got {input.ndim}-D.", nameof(input));
    }
}
