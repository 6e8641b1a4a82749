namespace Scan.Core.Training;

/// <summary>
/// How a <see cref="Models.ResNetBackbone"/> hands its convolution weights to libtorch. The math is the same; only
/// the memory order, and so the kernels libtorch (oneDNN) picks, differ.
/// </summary>
public enum ConvolutionLayout
{
    /// <summary>
    /// Chosen by measurement when SimCLR training starts: a few float32 steps are timed in both layouts on the machine
    /// at hand and channels-last is kept only when it is clearly faster (the times and the choice are logged and appear
    /// in <see cref="Pretext.SimClrResult.Layout"/>). On the 2-core EPYC of BENCHMARKS.md it was 10–25 % faster for
    /// the small ResNets of the presets. Reruns on machines that choose differently differ in the last bits.
    /// </summary>
    Auto = 0,

    /// <summary>PyTorch's default (N, C, H, W) order throughout: bit-identical reruns on the same machine and thread count.</summary>
    Contiguous = 1,

    /// <summary>
    /// Convolution weights in channels-last order (N, H, W, C in memory), so that activations follow in that order and
    /// libtorch uses its channels-last convolution kernels; the parameters, gradients, optimiser state and every saved
    /// file stay in the usual order.
    /// </summary>
    ChannelsLast = 2,
}
