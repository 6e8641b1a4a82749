using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Core.Models;

/// <summary>The two-convolution residual block of ResNet-18/34 (He et al. 2016), named as torchvision names it.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    // Field names are the state_dict keys: conv1, bn1, conv2, bn2, downsample.{0,1} as in torchvision.
    private readonly Conv2d conv1;
    private readonly BatchNorm2dWithoutTemporaries bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2dWithoutTemporaries bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new BatchNorm2dWithoutTemporaries(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = new BatchNorm2dWithoutTemporaries(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            downsample = Sequential(
                Conv2d(inChannels, outChannels, 1, stride: stride, bias: false),
                new BatchNorm2dWithoutTemporaries(outChannels));
        }
        RegisterComponents();
    }

    /// <summary>Whether the convolutions run with channels-last weights (set by <see cref="ResNetBackbone.Layout"/>).</summary>
    internal bool ChannelsLast { get; set; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = bn1.call(ChannelsLastConvolution.Call(conv1, input, ChannelsLast)).relu_();
        output = bn2.call(ChannelsLastConvolution.Call(conv2, output, ChannelsLast));
        var shortcut = downsample is null
            ? input
            : downsample[1].call(ChannelsLastConvolution.Call((Conv2d)downsample[0], input, ChannelsLast));
        // Out of place: an in-place add_ onto the BatchNorm output here corrupted its gradient (NaN after one step).
        return (output + shortcut).relu_().MoveToOuterDisposeScope();
    }
}
