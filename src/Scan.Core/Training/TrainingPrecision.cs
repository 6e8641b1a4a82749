namespace Scan.Core.Training;

/// <summary>The number format a trainer computes its forward and backward passes in.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32: bit-identical reruns on the same machine and thread count.</summary>
    Float32 = 0,

    /// <summary>
    /// Mixed precision: forward and backward run in bfloat16 on a copy of the model, while the weights, the
    /// optimiser's state, the loss and every checkpoint stay float32 (the "master weights" of mixed-precision
    /// training; TorchSharp 0.107 has no autocast). On CPUs with AMX-BF16 or AVX512-BF16 libtorch runs the bfloat16
    /// convolutions on those units: 1.55x the float32 SimCLR step on this project's Xeon (BENCHMARKS.md). Results are
    /// deterministic and resume exactly, but differ from a float32 run. Needs a <see cref="Models.ResNetBackbone"/>
    /// (the copy is rebuilt from its shape).
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// Chosen by measurement when training starts: a few SimCLR steps are timed in float32 and in bfloat16 on the
    /// machine at hand, and bfloat16 is used only when it is at least 2.5x faster, because at equal steps it cost
    /// 5.6 to 7.6 ACC points on Fashion-MNIST (BENCHMARKS.md). The measurement and the choice are logged and appear in
    /// <see cref="Pretext.SimClrResult.Precision"/>. Runs on machines that choose differently differ.
    /// </summary>
    Auto = 2,
}
