using System.Net;
using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>
/// A silo: hosts grain activations, answers silo-to-silo calls, takes part in membership.
/// Life cycle: Start (listen → Joining → heartbeats → Active) → Stop (ShuttingDown → deactivate every
/// grain, hooks run, directory entries removed → Dead → close) or Kill (no cleanup at all: the
/// port closes, heartbeats stop, the row stays until another silo declares it dead).
/// Owns exactly one Redis multiplexer (control data), disposed on stop or kill.
/// A silo the cluster declared dead kills itself (its grains may already live elsewhere).
/// </summary>
public sealed class Silo : IAsyncDisposable
{
    private readonly SiloOptions _options;
    private readonly GrainTypeRegistry _grains;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly GrainFactory _grainFactory = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();

    private ConnectionMultiplexer? _redis;
    private SiloHttpServer? _server;
    private SiloHttpClient? _transport;
    private MembershipView? _view;
    private MembershipAgent? _agent;
    private FailureDetector? _detector;
    private GrainLocator? _locator;
    private Catalog? _catalog;
    private ActivationCollector? _collector;
    private GrainCallRouter? _router;
    private volatile SiloState _state = SiloState.Created;

    public Silo(SiloOptions options, GrainTypeRegistry grains, IServiceProvider? services = null,
        ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _grains = grains;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<Silo>();
        _services = services ?? new ServiceCollection().AddSingleton(_loggerFactory).AddLogging().BuildServiceProvider();
    }

    public SiloOptions Options => _options;
    public SiloState State => _state;

    /// <summary>"host:port@startMs", unique per incarnation.</summary>
    public string SiloId { get; private set; } = "";

    /// <summary>host:port other silos dial.</summary>
    public string Address { get; private set; } = "";

    public IGrainFactory GrainFactory => _grainFactory;

    public MembershipView Membership => _view ?? throw new InvalidOperationException("silo not started");

    public int ActivationCount => _catalog?.Count ?? 0;

    /// <summary>Completes when the silo stopped, was killed, or killed itself after being declared dead.</summary>
    public Task Stopped => _stopped.Task;

    public async Task StartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_state != SiloState.Created) throw new InvalidOperationException($"silo is {_state}");
            _state = SiloState.Starting;
            await StartCoreAsync(ct).ConfigureAwait(false);
            _state = SiloState.Running;
        }
        catch
        {
            await AbandonAsync().ConfigureAwait(false);
            _state = SiloState.Stopped;
            _stopped.TrySetResult();
            throw;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        _redis = await RedisConnections.ConnectAsync(_options.RedisConnectionString, "memplat-silo").ConfigureAwait(false);
        var db = _redis.GetDatabase();

        _server = new SiloHttpServer(IPAddress.Parse(_options.ListenAddress), _options.Port, _options.Transport,
            _loggerFactory, Receive);
        var port = await _server.StartAsync(ct).ConfigureAwait(false);
        var startTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Address = $"{AdvertisedAddress.Resolve(_options.AdvertisedHost)}:{port}";
        SiloId = $"{Address}@{startTime}";
        var metrics = new RuntimeMetrics(SiloId);

        var table = new MembershipTable(db, _options.ClusterId);
        _view = new MembershipView(table, _options.Membership, _loggerFactory.CreateLogger<MembershipView>());
        _agent = new MembershipAgent(table, _options.Membership, SiloId, Address, startTime,
            _loggerFactory.CreateLogger<MembershipAgent>());
        var directory = new GrainDirectory(db, _options.ClusterId);
        _locator = new GrainLocator(directory, _view);
        _transport = new SiloHttpClient(_options.Transport);
        _catalog = new Catalog(_options.Activation, _grains, directory, SiloId, Address, _services, _grainFactory, metrics,
            _loggerFactory.CreateLogger<Catalog>());
        _collector = new ActivationCollector(_catalog, _options.Activation, _loggerFactory.CreateLogger<ActivationCollector>());
        _router = new GrainCallRouter(_locator, _transport, _catalog, Address, _options.Calls, metrics,
            _loggerFactory.CreateLogger<GrainCallRouter>());
        _grainFactory.Attach(_router);

        _agent.Reregistered = _catalog.ReassertDirectoryAsync;
        _agent.DeclaredDead += () => _ = Task.Run(KillAsync);
        await _agent.JoinAsync(ct).ConfigureAwait(false);
        _agent.StartHeartbeats();
        await _agent.SetStatusAsync(SiloStatus.Active, ct).ConfigureAwait(false);
        await _view.RefreshAsync(ct).ConfigureAwait(false);
        _view.Start();
        _detector = new FailureDetector(table, _options.Membership, SiloId, _view.RefreshAsync,
            _loggerFactory.CreateLogger<FailureDetector>());
        _detector.Start();
        _collector.Start();
        _logger.LogInformation("Silo {SiloId} started in cluster {ClusterId}", SiloId, _options.ClusterId);
    }

    private IAsyncEnumerable<System.Text.Json.JsonElement> Receive(GrainCallRequest request, CancellationToken ct) =>
        // Starting counts: the row turns Active (and calls arrive) just before StartAsync returns.
        _router is { } router && _state is SiloState.Running or SiloState.Starting
            ? router.ReceiveAsync(request, ct)
            : throw new CallNotDeliveredException($"silo {SiloId} is {_state}");

    /// <summary>Graceful stop: leave the cluster cleanly, running every grain's deactivation hook.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_state != SiloState.Running) return;
            _state = SiloState.Stopping;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ShutdownTimeout);
            try
            {
                await _agent!.SetStatusAsync(SiloStatus.ShuttingDown, timeout.Token).ConfigureAwait(false);
                await _catalog!.DeactivateAllAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
                await _agent.SetStatusAsync(SiloStatus.Dead, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Silo {SiloId} did not leave the cluster cleanly", SiloId);
            }
            await AbandonAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            _state = SiloState.Stopped;
            _logger.LogInformation("Silo {SiloId} stopped", SiloId);
            _stopped.TrySetResult();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Simulates a crash: nothing is deregistered, no hook runs, connections drop at once.</summary>
    public async Task KillAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_state is SiloState.Stopped or SiloState.Killed) return;
            _state = SiloState.Killed;
            _catalog?.Close();
            await AbandonAsync().ConfigureAwait(false);
            _logger.LogWarning("Silo {SiloId} killed", SiloId);
            _stopped.TrySetResult();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops every loop and closes the port and Redis; grace = null closes connections abruptly.</summary>
    private async Task AbandonAsync(TimeSpan? grace = null)
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_server is not null)
        {
            try
            {
                if (grace is { } g) await _server.StopAsync(g).ConfigureAwait(false);
                else await _server.KillAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogDebug("Server stop: {Error}", ex.Message);
            }
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        if (_agent is not null) await _agent.DisposeAsync().ConfigureAwait(false);
        if (_detector is not null) await _detector.DisposeAsync().ConfigureAwait(false);
        if (_collector is not null) await _collector.DisposeAsync().ConfigureAwait(false);
        if (_view is not null) await _view.DisposeAsync().ConfigureAwait(false);
        _locator?.Detach();
        _transport?.Dispose();
        if (_redis is not null)
        {
            await _redis.CloseAsync(allowCommandsToComplete: grace is not null).ConfigureAwait(false);
            _redis.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == SiloState.Running) await StopAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    public override string ToString() => $"Silo({SiloId}, {_state})";
}

public enum SiloState
{
    Created,
    Starting,
    Running,
    Stopping,
    Stopped,
    Killed,
}
