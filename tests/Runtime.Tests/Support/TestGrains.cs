using System.Runtime.CompilerServices;
using MemoryPlatform.Runtime.Core;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Tests.Support;

// Grain code as a platform developer writes it: no runtime plumbing beyond the Grain base class.

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    [ReadOnly]
    Task<int> Get();

    Task<string> WhereAmI();
}

public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Probe.For(GetPrimaryKeyString()).Activated(RuntimeIdentity);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Probe.For(GetPrimaryKeyString()).Deactivated();
        return Task.CompletedTask;
    }

    // Read, yield, write: exact only if no two increments interleave.
    public async Task<int> Increment()
    {
        var seen = _count;
        await Task.Yield();
        _count = seen + 1;
        return _count;
    }

    public Task<int> Get() => Task.FromResult(_count);

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}

public enum Shade { Light, Dark }

public sealed record Payload(string Name, IReadOnlyList<int> Values, Shade Shade, Payload? Child);

[GrainType("probe")]
public interface IProbeGrain : IGrainWithStringKey
{
    Task Work(int milliseconds);

    [ReadOnly]
    Task Read(int milliseconds);

    [AlwaysInterleave]
    Task Interleaved(int milliseconds);

    [CallTimeout(1)]
    Task SleepWithShortTimeout(int milliseconds, CancellationToken cancellationToken);

    Task Sleep(int milliseconds, CancellationToken cancellationToken);

    Task<int> Fail(string message);

    IAsyncEnumerable<string> Count(int n, int delayMilliseconds, CancellationToken cancellationToken);

    IAsyncEnumerable<int> CountThenFail(int n);

    ValueTask<Payload> Roundtrip(Payload payload);

    ValueTask Nothing();

    Task<string> WhereAmI();

    Task DeactivateAfterThis();

    Task<int> IncrementCounter(string counterKey);
}

public sealed class ProbeGrain : Grain, IProbeGrain
{
    private Probe.Counters Counters => Probe.For(GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (GetPrimaryKeyString().StartsWith("broken-", StringComparison.Ordinal))
            throw new InvalidOperationException("cannot activate " + GetPrimaryKeyString());
        Counters.Activated(RuntimeIdentity);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Counters.Deactivated();
        return Task.CompletedTask;
    }

    public Task Work(int milliseconds) => Occupy(milliseconds);
    public Task Read(int milliseconds) => Occupy(milliseconds);
    public Task Interleaved(int milliseconds) => Occupy(milliseconds);

    private async Task Occupy(int milliseconds)
    {
        Counters.Enter();
        try
        {
            await Task.Delay(milliseconds);
        }
        finally
        {
            Counters.Exit();
        }
    }

    public Task SleepWithShortTimeout(int milliseconds, CancellationToken cancellationToken) =>
        Sleep(milliseconds, cancellationToken);

    public async Task Sleep(int milliseconds, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Counters.Cancelled();
            throw;
        }
    }

    public Task<int> Fail(string message) => throw new InvalidOperationException(message);

    public async IAsyncEnumerable<string> Count(int n, int delayMilliseconds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < n; i++)
        {
            try
            {
                await Task.Delay(delayMilliseconds, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Counters.Cancelled();
                throw;
            }
            yield return $"token-{i}";
        }
    }

    public async IAsyncEnumerable<int> CountThenFail(int n)
    {
        for (var i = 0; i < n; i++)
        {
            await Task.Yield();
            yield return i;
        }
        throw new ArgumentException("stream broke");
    }

    public ValueTask<Payload> Roundtrip(Payload payload) => ValueTask.FromResult(payload with { Name = payload.Name + "!" });

    public ValueTask Nothing() => ValueTask.CompletedTask;

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task DeactivateAfterThis()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<int> IncrementCounter(string counterKey) => GrainFactory.GetGrain<ICounterGrain>(counterKey).Increment();
}

public interface IPersistentGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    [ReadOnly]
    Task<int> Get();
}

/// <summary>State is the grain's business: loaded on activation, saved on deactivation.</summary>
public sealed class PersistentGrain(IConnectionMultiplexer redis) : Grain, IPersistentGrain
{
    private int _total;
    private string StateKey => "test:persistent:" + GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Probe.For(GetPrimaryKeyString()).Activated(RuntimeIdentity);
        var stored = await redis.GetDatabase().StringGetAsync(StateKey);
        _total = stored.IsNull ? 0 : (int)stored;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await redis.GetDatabase().StringSetAsync(StateKey, _total);
        Probe.For(GetPrimaryKeyString()).Deactivated();
    }

    public Task<int> Add(int amount) => Task.FromResult(_total += amount);

    public Task<int> Get() => Task.FromResult(_total);
}
