using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// Keeps this silo's own row: joins, moves through Joining → Active → ShuttingDown → Dead, heartbeats.
/// Invariants:
/// - only this silo writes its row, except Status = Dead, which any live silo may write after silence;
/// - status changes are CAS writes (see <see cref="MembershipTable"/>), retried on a fresh read;
/// - a heartbeat that finds the row missing re-inserts it at the current status and raises
///   <see cref="Reregistered"/> (Redis lost it; failing forever would be the Orleans bug we avoid);
/// - a row found Dead is final: <see cref="DeclaredDead"/> fires and the heartbeat stops, because
///   other silos may already have taken over this silo's grains.
/// - on join, older incarnations at the same address are declared dead at once (they cannot be
///   running: this process holds the port), so their grains move without waiting for the timeout.
/// </summary>
internal sealed class MembershipAgent : IAsyncDisposable
{
    private readonly MembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _heartbeats;
    private SiloStatus _status = SiloStatus.Joining;

    public MembershipAgent(MembershipTable table, MembershipOptions options, string siloId, string address,
        long startTime, ILogger logger)
    {
        _table = table;
        _options = options;
        _logger = logger;
        SiloId = siloId;
        Address = address;
        StartTime = startTime;
    }

    public string SiloId { get; }
    public string Address { get; }
    public long StartTime { get; }
    public SiloStatus Status => _status;

    /// <summary>
    /// Called after the row had vanished and was written again; returns true once its work is done
    /// (e.g. directory entries re-asserted). Called again at each heartbeat until it returns true.
    /// </summary>
    public Func<CancellationToken, Task<bool>>? Reregistered { get; set; }

    private bool _reregistrationPending;

    /// <summary>Raised once when the table says this silo is dead.</summary>
    public event Action? DeclaredDead;

    public async Task JoinAsync(CancellationToken ct)
    {
        await SetStatusAsync(SiloStatus.Joining, ct).ConfigureAwait(false);
        await DeclareOlderIncarnationsDeadAsync(ct).ConfigureAwait(false);
    }

    public void StartHeartbeats() => _heartbeats = Task.Run(() => HeartbeatLoopAsync(_stop.Token));

    /// <summary>CAS-writes this silo's row with <paramref name="status"/> (IAmAlive = Redis time of the read).</summary>
    public async Task SetStatusAsync(SiloStatus status, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var snapshot = await _table.ReadAsync().WaitAsync(ct).ConfigureAwait(false);
            if (snapshot.Silos.TryGetValue(SiloId, out var current) && current.Status == SiloStatus.Dead &&
                status != SiloStatus.Dead)
                throw new InvalidOperationException($"silo {SiloId} was declared dead");
            var row = new SiloEntry
            {
                SiloId = SiloId, Address = Address, Status = status,
                IAmAlive = snapshot.ServerTimeMs, StartTime = StartTime,
            };
            if (await _table.TryWriteAsync(row, snapshot).ConfigureAwait(false))
            {
                _status = status;
                _logger.LogInformation("Silo {SiloId} is {Status} (table version {Version})", SiloId, status,
                    snapshot.Version + 1);
                return;
            }
            // Lost a CAS race with another writer: re-read and try again, with a little jitter.
            await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
        }
    }

    private async Task DeclareOlderIncarnationsDeadAsync(CancellationToken ct)
    {
        while (true)
        {
            var snapshot = await _table.ReadAsync().WaitAsync(ct).ConfigureAwait(false);
            var stale = snapshot.Silos.Values.FirstOrDefault(s =>
                s.Address == Address && s.SiloId != SiloId && s.Status != SiloStatus.Dead && s.StartTime <= StartTime);
            if (stale is null) return;
            if (await _table.TryWriteAsync(stale with { Status = SiloStatus.Dead }, snapshot).ConfigureAwait(false))
                _logger.LogWarning("Declared older incarnation {SiloId} at {Address} dead", stale.SiloId, Address);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    var result = await _table.HeartbeatAsync(SiloId).WaitAsync(ct).ConfigureAwait(false);
                    if (result == HeartbeatResult.RowMissing)
                    {
                        _logger.LogWarning("Membership row of {SiloId} vanished; re-registering as {Status}", SiloId, _status);
                        await SetStatusAsync(_status, ct).ConfigureAwait(false);
                        _reregistrationPending = true;
                    }
                    else if (result == HeartbeatResult.DeclaredDead)
                    {
                        _logger.LogCritical("Silo {SiloId} was declared dead by the cluster; stopping", SiloId);
                        DeclaredDead?.Invoke();
                        return;
                    }
                    if (_reregistrationPending && Reregistered is { } handler)
                        _reregistrationPending = !await handler(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // Redis down or slow (or anything else): keep trying. This loop must never die,
                    // or the silo would be declared dead while alive. The failure detector gives
                    // everyone a full death timeout after an outage, so a short one kills nobody.
                    _logger.LogWarning("Heartbeat of {SiloId} failed: {Error}", SiloId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops heartbeating; the row stays as it is (kill) unless the caller wrote Dead first (stop).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_heartbeats is not null) await _heartbeats.ConfigureAwait(false);
        _stop.Dispose();
    }
}
