using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// This process's view of the cluster (the "oracle"): the latest snapshot of the table, refreshed by
/// polling, with change notifications. Readers never block on Redis.
/// Invariants:
/// - <see cref="Current"/> is the latest successful read (reads are serialized; a table that Redis
///   lost and restarted at Version 0 is noticed through its changed rows);
/// - <see cref="Changed"/> fires once per distinct Version/row-set, never concurrently with itself;
/// - when Redis is unreachable the last snapshot stays in use (calls keep flowing to known silos).
/// </summary>
public sealed class MembershipView : IAsyncDisposable
{
    private readonly MembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private Task? _loop;
    private volatile MembershipSnapshot _current = MembershipSnapshot.Empty;

    public MembershipView(MembershipTable table, MembershipOptions options, ILogger logger)
    {
        _table = table;
        _options = options;
        _logger = logger;
    }

    public MembershipSnapshot Current => _current;

    /// <summary>Raised after <see cref="Current"/> changed (silo joined, changed status, or was removed).</summary>
    public event Action<MembershipSnapshot>? Changed;

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _refreshLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var next = await _table.ReadAsync().WaitAsync(ct).ConfigureAwait(false);
            var previous = _current;
            if (next.Version == previous.Version && SameRows(next, previous)) return;
            _current = next;
            try
            {
                Changed?.Invoke(next);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Membership change handler failed");
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    /// <summary>Waits (polling the table) until <paramref name="condition"/> holds for the current snapshot.</summary>
    public async Task<MembershipSnapshot> WaitUntilAsync(Func<MembershipSnapshot, bool> condition, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await RefreshAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OperationCanceledException)
            {
                // Redis unreachable: keep the last snapshot and poll again.
            }
            var snapshot = _current;
            if (condition(snapshot)) return snapshot;
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }
    }

    private static bool SameRows(MembershipSnapshot a, MembershipSnapshot b) =>
        a.Silos.Count == b.Silos.Count &&
        a.Silos.All(kv => b.Silos.TryGetValue(kv.Key, out var other) && other.Status == kv.Value.Status);

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.RefreshPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    _logger.LogDebug("Membership refresh failed: {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _refreshLock.Dispose();
    }
}
