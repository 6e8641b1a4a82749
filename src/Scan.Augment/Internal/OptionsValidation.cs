using System.ComponentModel.DataAnnotations;
using System.Globalization;

// One validator for every options type of Scan.Augment and Scan.Core: this one file is compiled into both
// assemblies (Scan.Core.csproj links it and defines SCAN_CORE). Why not one copy in Scan.Augment with
// InternalsVisibleTo("Scan.Core"): the two ship as separate packages, and Scan.Core 0.1 calling an internal member of
// whichever Scan.Augment version NuGet resolves (any >= 0.1) would fail at run time once that member changes; a
// copy compiled in cannot drift. Why two namespaces: Scan.Tests and Scan.Benchmarks see the internals of both
// assemblies, and one full name defined in both would be ambiguous there (CS0433).
#if SCAN_CORE
namespace Scan.Core.Training;
#else
namespace Scan.Augment.Internal;
#endif

/// <summary>Validates an options object by its data annotations and <see cref="IValidatableObject"/> rules.</summary>
/// <remarks>
/// Nested options objects are not walked: an owner that holds some (<c>ScanOptions</c>) validates each in its own
/// <see cref="IValidatableObject.Validate"/> through <see cref="Failures"/>, prefixing the failures with the member.
/// </remarks>
internal static class OptionsValidation
{
    /// <summary>All failures of <paramref name="options"/>, each naming the options type, the member and the bad value.</summary>
    public static IReadOnlyList<string> Failures(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var failures = results.Select(r => $"{options.GetType().Name}: {WithValue(options, r)}").ToList();
        // An enum property holds any integer: 99 would otherwise pass and silently pick a default branch. A nullable
        // enum (BackboneOptions.Stem) is checked when it has a value.
        foreach (var property in options.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!type.IsEnum || !property.CanRead || property.GetIndexParameters().Length > 0
                || type.IsDefined(typeof(FlagsAttribute), false))
                continue;
            var value = property.GetValue(options);
            if (value is not null && !Enum.IsDefined(type, value))
                failures.Add($"{options.GetType().Name}: {property.Name} must be one of {string.Join(", ", Enum.GetNames(type))}; found {Convert.ToInt64(value, CultureInfo.InvariantCulture)}.");
        }
        return failures;
    }

    /// <summary>Throws when <paramref name="options"/> is invalid.</summary>
    /// <exception cref="ArgumentException">One or more values are out of range; the message lists them all.</exception>
    public static void ThrowIfInvalid(object options, string paramName)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
            throw new ArgumentException(string.Join(Environment.NewLine, failures), paramName);
    }

    /// <summary>The invariant text of a number for a failure message ("0.1", "NaN", "Infinity").</summary>
    public static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The failure's message followed by the value found, when a validation attribute of one scalar property (or
    /// nullable scalar) failed: attributes can only quote their bounds, and "must be in [1E-08, 100]" alone does not
    /// say that 1000000 was given. Failures of <see cref="IValidatableObject.Validate"/> word their own messages and
    /// are left as they are.
    /// </summary>
    private static string WithValue(object options, ValidationResult result)
    {
        string message = result.ErrorMessage ?? "is invalid.";
        if (result.MemberNames.Count() != 1)
            return message;
        var property = options.GetType().GetProperty(result.MemberNames.Single());
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (property is null || !(type!.IsPrimitive || type == typeof(decimal)))
            return message;
        object? value = property.GetValue(options);
        bool attributeFailed = property.GetCustomAttributes(typeof(ValidationAttribute), inherit: true)
            .Cast<ValidationAttribute>().Any(a => !a.IsValid(value));
        return attributeFailed ? $"{message} Found {Convert.ToString(value, CultureInfo.InvariantCulture)}." : message;
    }
}
