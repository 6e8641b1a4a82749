using Scan.Core.Models;
using static TorchSharp.torch;

namespace Scan.Tests.Stages;

/// <summary>Features that ignore the image: every input maps to the same vector.</summary>
internal sealed class ConstantBackbone : Backbone
{
    private readonly TorchSharp.Modules.Parameter _bias;

    public ConstantBackbone() : base(nameof(ConstantBackbone))
    {
        _bias = new TorchSharp.Modules.Parameter(ones(8));
        register_parameter("bias", _bias);
    }

    public override int InputChannels => 1;

    public override int FeatureDim => 8;

    public override Tensor forward(Tensor input) => (input.sum(new long[] { 1, 2, 3 }, keepdim: false).unsqueeze(1) * 0 + _bias).contiguous();
}
