using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>
/// Calls grains from outside the cluster (the gateway): reads membership and the directory, sends
/// each call to the silo that owns (or by rendezvous hashing would own) the grain. Hosts no grains
/// and never writes control data. Owns one Redis multiplexer.
/// </summary>
public sealed class ClusterClient : IAsyncDisposable
{
    private readonly ClusterClientOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly GrainFactory _grainFactory = new();
    private ConnectionMultiplexer? _redis;
    private MembershipView? _view;
    private GrainLocator? _locator;
    private SiloHttpClient? _transport;
    private int _disposed;

    public ClusterClient(ClusterClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public IGrainFactory GrainFactory => _grainFactory;

    public MembershipView Membership => _view ?? throw new InvalidOperationException("client not started");

    public async Task StartAsync(CancellationToken ct = default)
    {
        _redis = await RedisConnections.ConnectAsync(_options.RedisConnectionString, "memplat-client").ConfigureAwait(false);
        var db = _redis.GetDatabase();
        _view = new MembershipView(new MembershipTable(db, _options.ClusterId), _options.Membership,
            _loggerFactory.CreateLogger<MembershipView>());
        await _view.RefreshAsync(ct).ConfigureAwait(false);
        _view.Start();
        _locator = new GrainLocator(new GrainDirectory(db, _options.ClusterId), _view);
        _transport = new SiloHttpClient(_options.Transport);
        _grainFactory.Attach(new GrainCallRouter(_locator, _transport, catalog: null, selfAddress: null, _options.Calls,
            new RuntimeMetrics("client-" + Environment.ProcessId), _loggerFactory.CreateLogger<GrainCallRouter>()));
    }

    /// <summary>Idempotent: a host disposes the client twice (its hosted service stops it, then the container disposes the singleton).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_view is not null) await _view.DisposeAsync().ConfigureAwait(false);
        _locator?.Detach();
        _transport?.Dispose();
        if (_redis is not null)
        {
            await _redis.CloseAsync().ConfigureAwait(false);
            _redis.Dispose();
        }
    }
}
