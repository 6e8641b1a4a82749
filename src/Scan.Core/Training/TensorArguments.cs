using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>Checks on tensors handed to public entry points that the shape and dtype checks do not cover.</summary>
internal static class TensorArguments
{
    /// <summary>
    /// Refuses a tensor on the meta device: it has a shape and a dtype but no values, so the first read of it would
    /// fail inside libtorch with a message that names neither the argument nor the fix. Any other device is fine:
    /// the library moves tensors to where it computes.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is on the meta device.</exception>
    public static void RequireValues(Tensor tensor, string paramName)
    {
        if (tensor.device_type == DeviceType.META)
        {
            throw new ArgumentException(
                $"{paramName} is on the meta device, which holds shapes but no values; move it to the CPU or a CUDA device.",
                paramName);
        }
    }
}
