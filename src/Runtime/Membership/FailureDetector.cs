using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// Declares silent silos dead. Every live silo runs one; any of them may win.
/// Invariants:
/// - a silo is declared dead only after <see cref="MembershipOptions.DeathTimeout"/> without a heartbeat,
///   measured in Redis server time (IAmAlive vs TIME of the same read);
/// - only by a detector that has itself read Redis without failure for at least DeathTimeout, so after
///   a Redis outage every silo gets a full timeout to heartbeat again before anyone judges;
/// - and whose own rounds came on time for that long: a round later than <see cref="LateRound"/> means this
///   process stalled (a GC pause, a starved thread pool, a paused VM), and the silence it would measure may be
///   its own making, not the other silo's (silos sharing a process, as in tests, stall together);
/// - declaring is a CAS on Version and on the row as read: a heartbeat landing in between cancels it.
/// </summary>
internal sealed class FailureDetector : IAsyncDisposable
{
    private readonly MembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly string _selfId;
    private readonly Func<CancellationToken, Task> _onDeclared;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _healthy = new();
    private readonly Stopwatch _sinceLastRound = new();
    private Task? _loop;

    public FailureDetector(MembershipTable table, MembershipOptions options, string selfId,
        Func<CancellationToken, Task> onDeclared, ILogger logger)
    {
        _table = table;
        _options = options;
        _selfId = selfId;
        _onDeclared = onDeclared;
        _logger = logger;
    }

    /// <summary>A gap between two reads past this means the detector itself was stalled.</summary>
    private TimeSpan LateRound => _options.HeartbeatPeriod * 2;

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    if (await CheckOnceAsync(ct).ConfigureAwait(false)) await _onDeclared(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    _healthy.Reset(); // judge again only after a full death timeout of good reads
                    _sinceLastRound.Reset();
                    _logger.LogDebug("Failure detection skipped: {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round; true when it declared someone dead.</summary>
    internal async Task<bool> CheckOnceAsync(CancellationToken ct)
    {
        var snapshot = await _table.ReadAsync().WaitAsync(ct).ConfigureAwait(false);
        if (_sinceLastRound.IsRunning && _sinceLastRound.Elapsed > LateRound)
        {
            _logger.LogWarning("Failure detection paused: this silo's round came {LateMs} ms after the last (stalled?)",
                (long)_sinceLastRound.Elapsed.TotalMilliseconds);
            _healthy.Reset();
        }
        _sinceLastRound.Restart();
        if (!_healthy.IsRunning) _healthy.Start();
        if (_healthy.Elapsed < _options.DeathTimeout) return false;
        if (!snapshot.IsAlive(_selfId)) return false; // a dead or unregistered silo does not judge

        var declared = false;
        var deathMs = (long)_options.DeathTimeout.TotalMilliseconds;
        foreach (var silo in snapshot.Silos.Values)
        {
            if (silo.SiloId == _selfId || silo.Status == SiloStatus.Dead) continue;
            var silentMs = snapshot.ServerTimeMs - silo.IAmAlive;
            if (silentMs <= deathMs) continue;
            if (await _table.TryWriteAsync(silo with { Status = SiloStatus.Dead }, snapshot).ConfigureAwait(false))
            {
                _logger.LogWarning("Declared silo {SiloId} dead after {SilentMs} ms of silence", silo.SiloId, silentMs);
                declared = true;
            }
            // One CAS per read: after a write Version moved, so re-read next round.
            break;
        }
        return declared;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
