using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;

namespace MemoryPlatform.Gateway.Connections;

/// <summary>
/// A connection's input as Kestrel reads it: the transport's own bytes, never copied or consumed here, but shown only as
/// far as <see cref="Http1Framing"/> has cleared them. A request line is held back until it is complete; one that is
/// refused is never shown: when Kestrel has consumed everything before it, its read answers "input ended", so Kestrel
/// finishes the requests before it and ends the connection quietly, and <see cref="Refused"/> tells the guard to answer.
/// Invariant: Kestrel's consumed/examined positions are passed on as they are, except that once Kestrel has examined all
/// it was shown, the held-back rest counts as examined too (the framing looked at it), so the next read waits for new bytes.
/// </summary>
public sealed class GuardedInput(PipeReader inner, Http1Framing framing, TimeSpan lineTimeout) : PipeReader
{
    private static readonly ReadResult Ended = new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true);

    private long _consumed;                 // bytes Kestrel has consumed: the connection offset of the inner buffer's start
    private ReadOnlySequence<byte> _buffer; // the inner buffer of the read in progress
    private long _shown;                    // how much of it Kestrel was given
    private long _heldLine = -1;            // the request line Kestrel waits on while it is held back, and since when
    private long _heldSince;
    private int _cancelRequested;           // Kestrel cancelled the pending read (set from other threads)
    private int _deadlinePassed;            // the held line's deadline cancelled it (set from a timer)

    /// <summary>Kestrel reached a refused request line and was told the input ended there.</summary>
    public bool Refused { get; private set; }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (RefusalReached()) return Refuse();
            ReadResult result;
            using (ArmHeldLineDeadline())
                result = await inner.ReadAsync(cancellationToken);
            if (TryShow(result, out var shown)) return shown;
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (RefusalReached())
        {
            result = Refuse();
            return true;
        }
        if (inner.TryRead(out var read) && TryShow(read, out result)) return true;
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (Refused) return; // Kestrel was shown an empty, ended input; the inner read was already released
        var examinedAll = _buffer.Slice(_buffer.Start, examined).Length >= _shown;
        _consumed += _buffer.Slice(_buffer.Start, consumed).Length;
        inner.AdvanceTo(consumed, examinedAll ? _buffer.End : examined);
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelRequested, 1);
        inner.CancelPendingRead();
    }

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    /// <summary>Frames the read and builds what Kestrel sees of it; false when there is nothing to show yet (read released).</summary>
    private bool TryShow(ReadResult result, out ReadResult shown)
    {
        _buffer = result.Buffer;
        var canceled = result.IsCanceled && Interlocked.Exchange(ref _cancelRequested, 0) == 1; // else only a deadline's
        var deadlinePassed = Interlocked.Exchange(ref _deadlinePassed, 0) == 1;
        framing.Advance(_buffer, _consumed);
        // The client sends no more, or the line took too long: the rest is Kestrel's to judge.
        if (framing.HoldsLine && (result.IsCompleted || (deadlinePassed && framing.RequestStart == _consumed))) framing.GiveUp();
        if (RefusalReached())
        {
            inner.AdvanceTo(_buffer.Start);
            shown = Refuse();
            return true;
        }
        _shown = framing.Barrier is { } barrier ? barrier - _consumed : _buffer.Length;
        if (_shown == 0 && !canceled && !result.IsCompleted)
        {
            // Kestrel waits on a request line that is not complete yet: wait for the rest of it without showing any.
            inner.AdvanceTo(_buffer.Start, _buffer.End);
            if (_heldLine != _consumed)
            {
                _heldLine = _consumed;
                _heldSince = Stopwatch.GetTimestamp();
            }
            shown = default;
            return false;
        }
        shown = new ReadResult(_buffer.Slice(0, _shown), canceled, result.IsCompleted && _shown == _buffer.Length);
        return true;
    }

    /// <summary>
    /// Kestrel starts its request-headers timeout at a line's first byte and sees none of a held line; so the held line
    /// Kestrel waits on gets that long, then the read is cancelled, the line shown, and Kestrel's own timeout runs from there.
    /// </summary>
    private CancellationTokenSource? ArmHeldLineDeadline()
    {
        if (!framing.HoldsLine || _heldLine != _consumed || framing.RequestStart != _consumed) return null;
        var left = lineTimeout - Stopwatch.GetElapsedTime(_heldSince);
        var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        deadline.Token.UnsafeRegister(_ =>
        {
            Volatile.Write(ref _deadlinePassed, 1);
            inner.CancelPendingRead();
        }, null);
        return deadline;
    }

    private bool RefusalReached() => framing.Refused && framing.RequestStart == _consumed;

    private ReadResult Refuse()
    {
        Refused = true;
        return Ended;
    }
}
