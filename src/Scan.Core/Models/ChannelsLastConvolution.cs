using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Models;

/// <summary>
/// Runs a <see cref="Conv2d"/> with its weight viewed in channels-last memory order. libtorch chooses its
/// channels-last convolution kernels when the weight (or the input) is channels-last, and the outputs, BatchNorm,
/// ReLU and the residual sums then stay in that order. TorchSharp 0.107 has no <c>memory_format</c> argument, so the
/// order is made by a permute, a copy and the inverse permute: the same shape (O, I, kH, kW) with strides
/// (I·kH·kW, 1, kW·I, I). The copy is of the weight only (a few thousand floats) and autograd carries the gradient back
/// to the parameter in its usual order, so optimisers and saved files never see the difference.
/// </summary>
internal static class ChannelsLastConvolution
{
    public static Tensor Call(Conv2d conv, Tensor input, bool channelsLast)
    {
        if (!channelsLast)
            return conv.call(input);
        using var scope = NewDisposeScope();
        var weight = conv.weight!.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        return nn.functional.conv2d(input, weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)
            .MoveToOuterDisposeScope();
    }
}
