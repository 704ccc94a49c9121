using System.Collections.Concurrent;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// One long-lived thread for a model's device work, with a synchronization context so that async work started on it
/// (a generation's steps, which yield between tokens) resumes on it too.
/// </summary>
/// <remarks>
/// Why: libtorch's CPU kernels run on an OpenMP team that belongs to the calling thread. Device calls made from
/// whichever thread-pool thread an await resumed on create a team per such thread, and the idle teams spin against
/// the working one on few cores: an encode took a quarter longer when started through Task.Run than from one thread
/// (docs/benchmarks.md). Invariants: work runs in the order it was posted, one item at a time; an item's exception
/// goes to its task, never to the thread; after <see cref="Dispose"/> no new work is taken and the thread ends.
/// </remarks>
public sealed class DeviceThread : IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Thread _thread;

    public DeviceThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs synchronous work on the thread.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    /// <summary>Starts async work on the thread; its continuations come back to the thread.</summary>
    public Task RunAsync(Func<Task> work) => RunAsync(async () =>
    {
        await work();
        return true;
    });

    /// <summary>Starts async work with a result on the thread; its continuations come back to the thread.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            Task<T> started;
            try { started = work(); }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }
            started.ContinueWith(t =>
            {
                if (t.IsFaulted) done.SetException(t.Exception!.InnerExceptions);
                else if (t.IsCanceled) done.SetCanceled();
                else done.SetResult(t.Result);
            }, TaskContinuationOptions.ExecuteSynchronously);
        });
        return done.Task;
    }

    private void Post(SendOrPostCallback callback, object? state = null)
    {
        if (!TryPost(callback, state)) throw new ObjectDisposedException(nameof(DeviceThread));
    }

    private bool TryPost(SendOrPostCallback callback, object? state)
    {
        try
        {
            _queue.Add((callback, state));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return false;   // disposed
        }
    }

    private void Run()
    {
        SynchronizationContext.SetSynchronizationContext(new Context(this));
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            callback(state);   // the callbacks above catch their work's exceptions; continuations carry their own
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        // Called from one of its own callbacks: the thread ends once that callback returns, and still enumerates the
        // queue until then, so the queue is left to the collector rather than disposed under it.
        if (Thread.CurrentThread == _thread) return;
        _thread.Join();
        _queue.Dispose();
    }

    /// <summary>Continuations of work on the thread are posted back to it.</summary>
    private sealed class Context(DeviceThread owner) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
            if (!owner.TryPost(d, state)) ThreadPool.QueueUserWorkItem(s => d(s), state);   // the thread is gone: finish elsewhere
        }

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (Thread.CurrentThread == owner._thread) d(state);
            else throw new NotSupportedException("blocking on the device thread from another thread could deadlock it");
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}
