using Scan.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>
/// A bfloat16 copy of a float32 model for <see cref="TrainingPrecision.BFloat16"/>: each step pulls the float32
/// weights and BatchNorm statistics into the copy, runs forward and backward there, and pushes the gradients and the
/// updated statistics back, so the optimiser, the checkpoints and the caller only ever see the float32 model.
/// </summary>
internal sealed class BFloat16Twin : IDisposable
{
    private readonly List<Parameter> _masterParameters;
    private readonly List<Parameter> _twinParameters;
    private readonly List<(Tensor Master, Tensor Twin)> _buffers;

    /// <param name="master">The float32 model the optimiser updates.</param>
    /// <param name="twin">A freshly built model of the same architecture; converted to bfloat16 and owned here.</param>
    /// <param name="device">Where both live.</param>
    public BFloat16Twin(nn.Module master, nn.Module<Tensor, Tensor> twin, Device device)
    {
        twin.to(device);
        twin.to(ScalarType.BFloat16);
        Model = twin;
        var masterParameters = master.named_parameters().ToList();
        var twinParameters = twin.named_parameters().ToList();
        if (!masterParameters.Select(p => (p.name, Shape: string.Join(",", p.parameter.shape)))
                .SequenceEqual(twinParameters.Select(p => (p.name, Shape: string.Join(",", p.parameter.shape)))))
        {
            throw new InvalidOperationException(
                $"The bfloat16 copy of {master.GetType().Name} does not have the model's parameters; train in float32.");
        }
        _masterParameters = masterParameters.Select(p => p.parameter).ToList();
        _twinParameters = twinParameters.Select(p => p.parameter).ToList();
        _buffers = master.named_buffers().Zip(twin.named_buffers(), (m, t) => (m.buffer, t.buffer)).ToList();
        Pull();
    }

    /// <summary>The bfloat16 model to run forward and backward on.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The twin of a <see cref="ContrastiveModel"/>, or an exception naming why there is none.</summary>
    /// <exception cref="NotSupportedException">The backbone is not a <see cref="ResNetBackbone"/>.</exception>
    public static BFloat16Twin Of(ContrastiveModel master, Device device) =>
        new(master, new ContrastiveModel(CopyShape(master.Backbone), master.ProjectionDim), device);

    /// <summary>Copies the float32 weights and BatchNorm statistics into the bfloat16 model (before a forward pass).</summary>
    public void Pull()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _masterParameters.Count; i++)
            _twinParameters[i].copy_(_masterParameters[i]);
        foreach (var (master, twin) in _buffers)
            twin.copy_(master);
    }

    /// <summary>
    /// After backward: hands the bfloat16 gradients to the float32 weights as float32 gradients (replacing theirs),
    /// and clears the copy's gradients for the next step.
    /// </summary>
    public void PushGradients()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _masterParameters.Count; i++)
        {
            if (_twinParameters[i].grad is not { } grad)
                continue;
            _masterParameters[i].grad = grad.to(ScalarType.Float32);
        }
        Model.zero_grad();
    }

    /// <summary>Copies the BatchNorm statistics the forward pass updated back into the float32 model.</summary>
    public void PushBuffers()
    {
        using var noGrad = no_grad();
        foreach (var (master, twin) in _buffers)
            master.copy_(twin);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    /// <summary>Refuses, before any training, a backbone whose bfloat16 copy cannot be built.</summary>
    /// <exception cref="NotSupportedException">The backbone is not a <see cref="ResNetBackbone"/>.</exception>
    public static void ThrowIfUnsupported(Backbone backbone)
    {
        if (backbone is not ResNetBackbone)
        {
            throw new NotSupportedException(
                $"TrainingPrecision.BFloat16 needs a ResNetBackbone, whose bfloat16 copy Scan.NET can build; " +
                $"{backbone.GetType().Name} is not one. Use TrainingPrecision.Float32.");
        }
    }

    private static ResNetBackbone CopyShape(Backbone backbone)
    {
        ThrowIfUnsupported(backbone);
        var resnet = (ResNetBackbone)backbone;
        return resnet.CopyShape();
    }
}
