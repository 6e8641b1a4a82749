using Microsoft.Extensions.Options;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>Validates <see cref="ScanOptions"/> for Microsoft.Extensions.Options (<c>ValidateOnStart</c> friendly).</summary>
internal sealed class ScanOptionsValidator : IValidateOptions<ScanOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = OptionsValidation.Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
