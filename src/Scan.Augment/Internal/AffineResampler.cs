using Scan.Augment.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Scan.Augment.Internal;

/// <summary>Applies per-sample affine maps to a batch with one batched sampling grid and one grid_sample.</summary>
internal static class AffineResampler
{
    /// <summary>
    /// Resamples <paramref name="images"/> (N, C, H, W) to (N, C, outHeight, outWidth); axis-aligned maps on the CPU
    /// take <see cref="SeparableCpuResampler"/> unless <paramref name="allowCpuKernel"/> is false (tests).
    /// </summary>
    internal static Tensor Resample(
        Tensor images, IReadOnlyList<Affine2D> transforms, long outHeight, long outWidth, AffineSampling sampling, bool allowCpuKernel = true)
    {
        var (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3]);
        if (n == 0)
            return torch.empty([0, c, outHeight, outWidth], images.dtype, images.device);
        if (allowCpuKernel && SeparableCpuResampler.CanRun(images, transforms))
            return SeparableCpuResampler.Resample(images, transforms, (int)outHeight, (int)outWidth, sampling);

        // grid_sample works in normalised coordinates u in [-1, 1] (align_corners = false: pixel centre p sits at
        // u = (2p + 1) / size - 1), i.e. centred pixel x = u * size / 2. So theta = S_in^-1 * M * S_out with
        // S = diag(width / 2, height / 2) for the respective image.
        var theta = new float[n * 6];
        for (var i = 0; i < n; i++)
        {
            var t = transforms[i];
            theta[6 * i + 0] = (float)(t.A * outWidth / w);
            theta[6 * i + 1] = (float)(t.B * outHeight / w);
            theta[6 * i + 2] = (float)(2 * t.C / w);
            theta[6 * i + 3] = (float)(t.D * outWidth / h);
            theta[6 * i + 4] = (float)(t.E * outHeight / h);
            theta[6 * i + 5] = (float)(2 * t.F / h);
        }

        using var grid = SamplingGrid(theta, n, outHeight, outWidth, images.device);
        return grid_sample(images, grid, sampling.Mode, sampling.PaddingMode, align_corners: false);
    }

    /// <summary>
    /// The (N, H, W, 2) grid affine_grid would give for <paramref name="theta"/> (align_corners = false), built by
    /// broadcasting: each coordinate is a·u + b·v + c over the output pixel centres u, v. libtorch's affine_grid
    /// goes through a batched matrix product with inner size 3, which costs more here than the resampling itself.
    /// </summary>
    private static Tensor SamplingGrid(float[] theta, long n, long outHeight, long outWidth, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var coefficients = torch.tensor(theta, [n, 6], ScalarType.Float32).to(device);
        var u = torch.arange(outWidth, ScalarType.Float32, device).mul_(2).add_(1).div_(outWidth).sub_(1).view(1, 1, outWidth);
        var v = torch.arange(outHeight, ScalarType.Float32, device).mul_(2).add_(1).div_(outHeight).sub_(1).view(1, outHeight, 1);
        var grid = torch.empty([n, outHeight, outWidth, 2], ScalarType.Float32, device);
        for (var row = 0; row < 2; row++)
        {
            var a = coefficients.narrow(1, 3 * row, 1).reshape(n, 1, 1);
            var b = coefficients.narrow(1, 3 * row + 1, 1).reshape(n, 1, 1);
            var c = coefficients.narrow(1, 3 * row + 2, 1).reshape(n, 1, 1);
            // Written in place into the grid: the (N, 1, W) and (N, H, 1) parts broadcast.
            grid.select(3, row).copy_((a * u).expand(n, outHeight, outWidth)).add_(b * v + c);
        }

        return grid.MoveToOuterDisposeScope();
    }

    /// <summary>Applies a single affine op on its own (unfused).</summary>
    internal static Tensor ApplyAlone(IAffineAugmentation op, Tensor images, Generator generator)
    {
        ImageBatch.Validate(images, generator);
        var (n, h, w) = (images.shape[0], images.shape[2], images.shape[3]);
        var (outH, outW) = op.OutputSize(h, w);
        var transforms = op.DrawTransforms(n, h, w, generator);
        return Resample(images, transforms, outH, outW, op.Sampling);
    }
}
