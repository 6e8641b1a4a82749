using System.ComponentModel.DataAnnotations;

namespace Scan.Core.Training;

/// <summary>Validates an options object by its data annotations and <see cref="IValidatableObject"/> rules.</summary>
public static class OptionsValidation
{
    /// <summary>All failures of <paramref name="options"/>, each naming the member and the bad value.</summary>
    public static IReadOnlyList<string> Failures(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => $"{options.GetType().Name}: {r.ErrorMessage}").ToList();
    }

    /// <summary>Throws when <paramref name="options"/> is invalid.</summary>
    /// <exception cref="ArgumentException">One or more values are out of range; the message lists them all.</exception>
    public static void ThrowIfInvalid(object options, string paramName)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
            throw new ArgumentException(string.Join(Environment.NewLine, failures), paramName);
    }
}
