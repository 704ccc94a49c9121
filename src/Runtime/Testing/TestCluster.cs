using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemoryPlatform.Runtime.Testing;

/// <summary>
/// Several silos in one process against one redis-server (Orleans' TestCluster): start, stop or kill
/// single silos, and wait until every live silo sees the same membership.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly IServiceProvider _services;
    private readonly List<Silo> _silos = [];
    private readonly object _lock = new();

    private TestCluster(TestClusterOptions options)
    {
        _options = options;
        var services = new ServiceCollection();
        services.AddSingleton(options.LoggerFactory ?? NullLoggerFactory.Instance);
        services.AddLogging();
        options.ConfigureServices?.Invoke(services);
        _services = services.BuildServiceProvider();
    }

    public string ClusterId => _options.ClusterId;
    public IServiceProvider Services => _services;

    /// <summary>Silos started and not yet stopped or killed.</summary>
    public IReadOnlyList<Silo> Silos
    {
        get { lock (_lock) return _silos.Where(s => s.State == SiloState.Running).ToList(); }
    }

    public IGrainFactory GrainFactory(int silo = 0) => Silos[silo].GrainFactory;

    public static async Task<TestCluster> StartAsync(TestClusterOptions options, CancellationToken ct = default)
    {
        var cluster = new TestCluster(options);
        try
        {
            // One after another: the membership CAS would serialize them anyway, and ports stay readable in logs.
            for (var i = 0; i < options.InitialSilos; i++) await cluster.StartSiloAsync(ct).ConfigureAwait(false);
            await cluster.WaitForStableMembershipAsync(ct: ct).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return cluster;
    }

    public async Task<Silo> StartSiloAsync(CancellationToken ct = default)
    {
        var options = TestClusterOptions.DefaultSiloOptions(_options.ClusterId, _options.RedisConnectionString);
        if (_options.ConfigureSilo is { } configure) options = configure(options);
        var silo = new Silo(options, _options.Grains, _services, _services.GetRequiredService<ILoggerFactory>());
        await silo.StartAsync(ct).ConfigureAwait(false);
        lock (_lock) _silos.Add(silo);
        return silo;
    }

    public Task StopSiloAsync(Silo silo, CancellationToken ct = default) => silo.StopAsync(ct);

    /// <summary>Crash: heartbeats stop and the port closes; no deregistration, no deactivation hooks.</summary>
    public Task KillSiloAsync(Silo silo) => silo.KillAsync();

    /// <summary>
    /// Waits until every running silo's view lists exactly the running silos as Active and every other
    /// silo of this cluster as Dead (killed ones are declared dead by the failure detector).
    /// </summary>
    public async Task WaitForStableMembershipAsync(TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        List<Silo> all;
        lock (_lock) all = [.. _silos];
        var live = all.Where(s => s.State == SiloState.Running).Select(s => s.SiloId).ToHashSet();
        var gone = all.Where(s => s.State != SiloState.Running).Select(s => s.SiloId).ToHashSet();
        bool Settled(MembershipSnapshot m) =>
            m.ActiveSilos.Select(s => s.SiloId).ToHashSet().SetEquals(live) &&
            gone.All(id => !m.Silos.TryGetValue(id, out var row) || row.Status == SiloStatus.Dead);
        try
        {
            foreach (var silo in all.Where(s => s.State == SiloState.Running))
                await silo.Membership.WaitUntilAsync(Settled, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var views = string.Join("\n", all.Where(s => s.State == SiloState.Running).Select(s =>
                $"{s.SiloId}: " + string.Join(", ", s.Membership.Current.Silos.Values.Select(r => $"{r.SiloId}={r.Status}"))));
            throw new TimeoutException($"membership did not settle; live = {string.Join(", ", live)}\n{views}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Silo> all;
        lock (_lock) all = [.. _silos];
        await Task.WhenAll(all.Select(s => s.KillAsync())).ConfigureAwait(false);
        foreach (var silo in all) await silo.DisposeAsync().ConfigureAwait(false);
        if (_services is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
    }
}
