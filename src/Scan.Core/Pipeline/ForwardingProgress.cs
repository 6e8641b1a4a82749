namespace Scan.Core.Pipeline;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler on the reporting thread, unlike <see cref="Progress{T}"/>,
/// which posts to the captured context or the thread pool and so can deliver a report after the work has finished.
/// </summary>
internal sealed class ForwardingProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
