using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Messaging;

namespace MemoryPlatform.Runtime.Activation;

/// <summary>
/// Admission of requests to one activation (turn-based concurrency). A "turn" here is a whole
/// request, from start to its last await, as in Orleans.
/// Invariants:
/// - an Exclusive request runs only when no Exclusive or ReadOnly request runs;
/// - ReadOnly requests run together, never beside an Exclusive one;
/// - Always (AlwaysInterleave / Reentrant) requests bypass the queue and block nobody;
/// - queued requests are admitted in arrival order (no overtaking, so writers do not starve);
/// - the queue holds at most MaxQueueLength requests; one more is refused with OverloadedException;
/// - once closed, nothing more is admitted; queued requests are released with null (the caller
///   re-routes them to the next activation) and <see cref="WaitDrainedAsync"/> completes when the
///   running requests have finished.
/// </summary>
internal sealed class ActivationMailbox
{
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly int? _maxQueueLength;
    private int _exclusive, _readOnly, _always;
    private bool _closed;
    private TaskCompletionSource? _drained;

    public ActivationMailbox(int? maxQueueLength) => _maxQueueLength = maxQueueLength;

    public bool IsIdle
    {
        get { lock (_lock) return Running == 0 && _queue.Count == 0; }
    }

    private int Running => _exclusive + _readOnly + _always;

    /// <summary>Waits for admission. Null: the mailbox closed (re-route the request).</summary>
    public ValueTask<Turn?> EnterAsync(Interleaving kind, CancellationToken ct)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_closed) return ValueTask.FromResult<Turn?>(null);
            if (kind == Interleaving.Always || (_queue.Count == 0 && CanRun(kind)))
                return ValueTask.FromResult<Turn?>(Admit(kind));
            if (_maxQueueLength is { } max && _queue.Count >= max)
                throw new OverloadedException($"activation queue is full ({max} waiting)");
            waiter = new Waiter(kind);
            waiter.Node = _queue.AddLast(waiter);
        }
        return new ValueTask<Turn?>(WaitAsync(waiter, ct));
    }

    private async Task<Turn?> WaitAsync(Waiter waiter, CancellationToken ct)
    {
        await using var registration = ct.Register(() =>
        {
            lock (_lock)
            {
                if (waiter.Node?.List is null) return; // already admitted or released
                _queue.Remove(waiter.Node);
            }
            waiter.Admission.TrySetCanceled(ct);
        }).ConfigureAwait(false);
        return await waiter.Admission.Task.ConfigureAwait(false);
    }

    /// <summary>Closes only if nothing runs or waits (idle collection).</summary>
    public bool TryCloseIfIdle()
    {
        lock (_lock)
        {
            if (_closed || Running != 0 || _queue.Count != 0) return false;
            _closed = true;
            return true;
        }
    }

    /// <summary>Closes now, releasing queued requests for re-routing.</summary>
    public void Close()
    {
        List<Waiter> released;
        lock (_lock)
        {
            _closed = true;
            released = [.. _queue];
            foreach (var w in released) w.Node = null;
            _queue.Clear();
        }
        foreach (var w in released) w.Admission.TrySetResult(null);
    }

    public Task WaitDrainedAsync()
    {
        lock (_lock)
        {
            if (Running == 0) return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    private bool CanRun(Interleaving kind) =>
        kind == Interleaving.ReadOnly ? _exclusive == 0 : _exclusive == 0 && _readOnly == 0;

    private Turn Admit(Interleaving kind)
    {
        switch (kind)
        {
            case Interleaving.Exclusive: _exclusive++; break;
            case Interleaving.ReadOnly: _readOnly++; break;
            default: _always++; break;
        }
        return new Turn(this, kind);
    }

    private void Exit(Interleaving kind)
    {
        List<(Waiter, Turn)>? admitted = null;
        TaskCompletionSource? drained = null;
        lock (_lock)
        {
            switch (kind)
            {
                case Interleaving.Exclusive: _exclusive--; break;
                case Interleaving.ReadOnly: _readOnly--; break;
                default: _always--; break;
            }
            while (!_closed && _queue.First is { } head && CanRun(head.Value.Kind))
            {
                _queue.RemoveFirst();
                head.Value.Node = null;
                (admitted ??= []).Add((head.Value, Admit(head.Value.Kind)));
            }
            if (Running == 0 && _drained is not null)
            {
                drained = _drained;
                _drained = null;
            }
        }
        if (admitted is not null)
            foreach (var (waiter, turn) in admitted)
                if (!waiter.Admission.TrySetResult(turn)) turn.Dispose(); // cancelled meanwhile
        drained?.TrySetResult();
    }

    private sealed class Waiter(Interleaving kind)
    {
        public Interleaving Kind { get; } = kind;
        public LinkedListNode<Waiter>? Node { get; set; }
        public TaskCompletionSource<Turn?> Admission { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The right to run one request; dispose when the request is complete.</summary>
    internal sealed class Turn(ActivationMailbox mailbox, Interleaving kind) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) mailbox.Exit(kind);
        }
    }
}
