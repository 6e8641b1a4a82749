namespace Scan.Tests.Reliability;

/// <summary>
/// One dedicated background thread that runs fuzz cases one at a time, so a case's timeout measures the case and
/// not a wait for a busy thread pool, and the managed bytes it allocates can be counted on its own thread. A case
/// that never returns keeps the thread; the test fails and the thread dies with the test host.
/// </summary>
internal sealed class CaseThread : IDisposable
{
    private readonly SemaphoreSlim _start = new(0), _done = new(0);
    private Action? _case;
    private Exception? _error;
    private long _allocated;
    private bool _stopping;

    public CaseThread(string name)
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="action"/>; false when it did not return within <paramref name="timeout"/>.</summary>
    public bool Run(Action action, TimeSpan timeout, out Exception? error, out long allocatedBytes)
    {
        _case = action;
        _start.Release();
        bool finished = _done.Wait(timeout);
        error = finished ? _error : null;
        allocatedBytes = finished ? _allocated : 0;
        return finished;
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping)
                return;
            _error = null;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                _case!();
            }
            catch (Exception e)
            {
                _error = e;
            }

            _allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            _done.Release();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _start.Release();
    }
}
