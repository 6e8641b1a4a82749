using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scan.Core.Pipeline;

/// <summary>Registers Scan.NET with Microsoft.Extensions.DependencyInjection.</summary>
public static class ScanServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ScanOptions"/> from the "Scan" section of <paramref name="configuration"/>, validates them at
    /// start-up and registers a <see cref="ScanPipeline"/> built from them.
    /// </summary>
    public static IServiceCollection AddScan(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ScanOptions>().Bind(configuration.GetSection(ScanOptions.SectionName)).ValidateOnStart();
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
}
