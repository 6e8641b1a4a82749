using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scan.Core.Pipeline;

/// <summary>Registers Scan.NET with Microsoft.Extensions.DependencyInjection.</summary>
public static class ScanServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ScanOptions"/> from the "Scan" section of <paramref name="configuration"/> on top of the
    /// preset named by its <c>Preset</c> key (see <see cref="ScanPresets.ByName"/>), validates them at start-up and
    /// registers a <see cref="ScanPipeline"/> built from them.
    /// </summary>
    /// <remarks>
    /// <c>Scan:Preset</c> is required. Without it the section would be bound onto <c>new ScanOptions()</c>, which
    /// holds the paper's CIFAR-10 settings (ResNet-18, 500 SimCLR epochs): a small appsettings.json naming only the
    /// cluster count would silently mean days of CPU training. A missing or unknown preset fails start-up with an
    /// <see cref="OptionsValidationException"/> naming the key. Every other key overrides the preset's value; an
    /// array (e.g. <c>Augmentation:Mean</c>) given in configuration replaces the preset's array.
    /// </remarks>
    public static IServiceCollection AddScan(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ScanOptions.SectionName);
        var preset = new PresetFromConfiguration(section);
        // The preset is applied before Bind: IConfigureOptions run in registration order.
        services.AddSingleton<IConfigureOptions<ScanOptions>>(preset);
        services.AddSingleton<IValidateOptions<ScanOptions>>(preset);
        services.AddOptions<ScanOptions>().Bind(section).ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>Configures <see cref="ScanOptions"/> in code (e.g. from a preset) and registers a pipeline.</summary>
    public static IServiceCollection AddScan(this IServiceCollection services, Action<ScanOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ScanOptions>().Configure(configure).ValidateOnStart();
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<ScanOptions>, ScanOptionsValidator>();
        services.AddTransient(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ScanOptions>>().Value;
            var builder = ScanPipeline.Create().WithOptions(options);
            var logger = provider.GetService<ILoggerFactory>()?.CreateLogger<ScanPipeline>();
            if (logger is not null)
                builder.WithLogger(logger);
            return builder.Build();
        });
        return services;
    }

    /// <summary>Applies the preset named by <c>Scan:Preset</c> and reports a missing or unknown one.</summary>
    private sealed class PresetFromConfiguration(IConfigurationSection section)
        : IConfigureOptions<ScanOptions>, IValidateOptions<ScanOptions>
    {
        private const string Key = "Preset";

        public void Configure(ScanOptions options)
        {
            if (!TryPreset(out var preset, out _))
                return;
            foreach (var property in typeof(ScanOptions).GetProperties())
                if (property.CanRead && property.CanWrite && property.GetIndexParameters().Length == 0)
                    property.SetValue(options, property.GetValue(preset));
            ClearConfiguredArrays(options, section);
        }

        public ValidateOptionsResult Validate(string? name, ScanOptions options) =>
            TryPreset(out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);

        private bool TryPreset(out ScanOptions preset, out string? error)
        {
            preset = null!;
            string path = ConfigurationPath.Combine(section.Path, Key);
            string? value = section[Key];
            if (string.IsNullOrWhiteSpace(value))
            {
                error = $"Configuration key '{path}' is required: name the preset the section is applied on top of " +
                        "(cifar10, cifar20, stl10, fashion-mnist-quick or fashion-mnist-full). Without it the section " +
                        "would silently inherit the paper's CIFAR-10 settings (ResNet-18, 500 SimCLR epochs).";
                return false;
            }
            try
            {
                preset = ScanPresets.ByName(value.Trim());
                error = null;
                return true;
            }
            catch (ArgumentException e)
            {
                error = $"Configuration key '{path}': {e.Message.Split(" (Parameter")[0]}";
                return false;
            }
        }

        /// <summary>
        /// The binder appends configured elements to an existing array; an array named in configuration must replace
        /// the preset's, so it is cleared before binding.
        /// </summary>
        private static void ClearConfiguredArrays(object target, IConfiguration config)
        {
            foreach (var child in config.GetChildren())
            {
                var property = target.GetType().GetProperty(child.Key,
                    System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
                if (property is null || !property.CanRead || property.GetIndexParameters().Length != 0)
                    continue;
                if (property.PropertyType.IsArray)
                {
                    if (property.CanWrite)
                        property.SetValue(target, null);
                }
                else if (property.PropertyType.IsClass && property.PropertyType != typeof(string) &&
                         property.GetValue(target) is { } nested)
                {
                    ClearConfiguredArrays(nested, child);
                }
            }
        }
    }
}
