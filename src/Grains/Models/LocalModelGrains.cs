using System.Collections.Concurrent;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// Finds the model grain of the silo a grain activation runs on (see <see cref="IModelGrain"/> for why it is
/// silo-local). One instance per process; in a test process it serves several silos, keyed by silo id.
/// A silo's grains may receive calls a moment before its model grain is registered: lookups wait for it.
/// </summary>
public sealed class LocalModelGrains
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IModelGrain>> _bySilo = new();

    private TaskCompletionSource<IModelGrain> Slot(string siloId) =>
        _bySilo.GetOrAdd(siloId, _ => new TaskCompletionSource<IModelGrain>(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Register(string siloId, IModelGrain grain)
    {
        if (!Slot(siloId).TrySetResult(grain))
            throw new InvalidOperationException($"silo {siloId} already has a model grain");
    }

    public void Unregister(string siloId) => _bySilo.TryRemove(siloId, out _);

    /// <summary>The model grain of <paramref name="siloId"/>, waiting up to <paramref name="timeout"/> for it to appear.</summary>
    public async Task<IModelGrain> GetAsync(string siloId, CancellationToken ct, TimeSpan? timeout = null)
    {
        try
        {
            return await Slot(siloId).Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"silo {siloId} has no model grain (is a model configured?)");
        }
    }
}
