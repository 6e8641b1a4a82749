using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Scan.Core.Runtime;

/// <summary>
/// Serialises the use of TorchSharp's default random generator, which is process-wide: module constructors draw
/// their initial weights from it and <c>torch.random.manual_seed</c> resets it for every thread. A pipeline seeds it
/// and builds its models in one step under this lock, so two pipelines started together on different threads get
/// exactly the weights each would get alone. Everything after initialisation draws from per-epoch
/// <see cref="torch.Generator"/>s, so runs only wait for each other for the few milliseconds of model construction.
/// </summary>
/// <remarks>Code outside Scan.NET that draws from the default generator (<c>torch.rand</c> without a generator)
/// while a pipeline builds its models can still change that pipeline's initial weights.</remarks>
internal static class GlobalRandom
{
    // A semaphore rather than a monitor: not tied to a thread, so tests can hold it across an await.
    internal static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Seeds the default generator with <paramref name="seed"/> and runs <paramref name="build"/>, with no
    /// other Scan.NET run seeding or drawing from the generator meanwhile.</summary>
    public static T Seeded<T>(long seed, Func<T> build, ILogger? logger) =>
        Exclusive(() =>
        {
            torch.random.manual_seed(seed);
            return build();
        }, logger);

    /// <summary>Runs <paramref name="build"/> (e.g. a caller's model factory) while holding the generator.</summary>
    public static T Exclusive<T>(Func<T> build, ILogger? logger)
    {
        if (!Gate.Wait(0))
        {
            logger?.LogInformation(
                "Waiting for another Scan.NET run to finish building its models: TorchSharp's default random generator is process-wide.");
            Gate.Wait();
        }
        try
        {
            return build();
        }
        finally
        {
            Gate.Release();
        }
    }
}
