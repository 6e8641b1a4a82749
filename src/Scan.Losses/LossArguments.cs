using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses;

/// <summary>
/// Argument checks shared by the losses. Every message names the argument, the value found and what was expected,
/// so that a shape mix-up deep in a training loop reads as a sentence rather than a libtorch stack trace.
/// Only metadata (shape, dtype, device) is checked: checking values would force a device synchronisation per batch.
/// </summary>
internal static class LossArguments
{
    /// <summary>Throws unless <paramref name="tensor"/> is a floating-point tensor of rank 2 with both sizes at least the minimums.</summary>
    internal static void RequireFloatingMatrix(Tensor? tensor, string paramName, string shapeName, long minRows, long minColumns)
    {
        RequireFloating(tensor, paramName);
        if (tensor.dim() != 2)
            throw new ArgumentException(
                $"{paramName} must have shape {shapeName}; got rank {tensor.dim()} shape {Describe(tensor.shape)}.",
                paramName);
        if (tensor.shape[0] < minRows)
            throw new ArgumentException(
                $"{paramName} must have at least {minRows} row(s) in {shapeName}; got shape {Describe(tensor.shape)}.",
                paramName);
        if (tensor.shape[1] < minColumns)
            throw new ArgumentException(
                $"{paramName} must have at least {minColumns} column(s) in {shapeName}; got shape {Describe(tensor.shape)}.",
                paramName);
    }

    /// <summary>Throws unless <paramref name="tensor"/> is non-null and has a floating-point dtype.</summary>
    internal static void RequireFloating([System.Diagnostics.CodeAnalysis.NotNull] Tensor? tensor, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (!tensor.is_floating_point())
            throw new ArgumentException(
                $"{paramName} must be a floating-point tensor (float32, float64, ...); got dtype {tensor.dtype}.",
                paramName);
    }

    /// <summary>Throws unless the two tensors have the same shape, dtype and device.</summary>
    internal static void RequireSameLayout(Tensor first, string firstName, Tensor second, string secondName)
    {
        if (!first.shape.SequenceEqual(second.shape))
            throw new ArgumentException(
                $"{firstName} and {secondName} must have the same shape; got {Describe(first.shape)} and {Describe(second.shape)}.",
                secondName);
        if (first.dtype != second.dtype)
            throw new ArgumentException(
                $"{firstName} and {secondName} must have the same dtype; got {first.dtype} and {second.dtype}.",
                secondName);
        if (first.device_type != second.device_type || first.device_index != second.device_index)
            throw new ArgumentException(
                $"{firstName} and {secondName} must be on the same device; got {first.device} and {second.device}.",
                secondName);
    }

    /// <summary>Formats a shape as PyTorch prints it, e.g. [128, 10].</summary>
    internal static string Describe(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
