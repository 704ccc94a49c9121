using System.Collections.Concurrent;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Placement;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Directory;

/// <summary>
/// Caller-side answer to "which silo do I send this call to?": a cache of directory entries, then the
/// directory, then placement. The answer is a hint; the receiving silo's catalog and the directory's
/// compare-and-set decide (a wrong hint costs one forward, never a second activation).
/// Invariants:
/// - a cached or stored entry is used only while its silo is alive in the current membership view;
/// - entries of silos that leave the view are dropped from the cache when the view changes;
/// - directory errors surface as "not delivered" so the caller may retry.
/// </summary>
internal sealed class GrainLocator
{
    private const int MaxCacheEntries = 100_000;
    private readonly GrainDirectory _directory;
    private readonly MembershipView _view;
    private readonly ConcurrentDictionary<GrainId, DirectoryEntry> _cache = new();

    public GrainLocator(GrainDirectory directory, MembershipView view)
    {
        _directory = directory;
        _view = view;
        _view.Changed += DropDeadSilos;
    }

    /// <summary>The address (host:port) to send a call for <paramref name="grain"/> to.</summary>
    public async ValueTask<string> LocateAsync(GrainId grain, CancellationToken ct)
    {
        var membership = _view.Current;
        if (_cache.TryGetValue(grain, out var cached) && membership.IsAlive(cached.SiloId)) return cached.Address;

        DirectoryEntry? entry;
        try
        {
            entry = await _directory.LookupAsync(grain).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CallNotDeliveredException("grain directory unreachable: " + ex.Message, ex);
        }
        if (entry is not null && membership.IsAlive(entry.SiloId))
        {
            Remember(grain, entry);
            return entry.Address;
        }
        var silo = PlacementDirector.Place(grain, membership)
            ?? throw new CallNotDeliveredException("no active silo in the membership view");
        return silo.Address;
    }

    public void Remember(GrainId grain, DirectoryEntry entry)
    {
        if (_cache.Count >= MaxCacheEntries) _cache.Clear(); // crude bound; a miss costs one GET
        _cache[grain] = entry;
    }

    public void Forget(GrainId grain) => _cache.TryRemove(grain, out _);

    private void DropDeadSilos(MembershipSnapshot membership)
    {
        foreach (var (grain, entry) in _cache)
            if (!membership.IsAlive(entry.SiloId))
                _cache.TryRemove(new KeyValuePair<GrainId, DirectoryEntry>(grain, entry));
    }

    public void Detach() => _view.Changed -= DropDeadSilos;
}
