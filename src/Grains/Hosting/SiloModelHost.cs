using MemoryPlatform.Grains.Encoders;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Grains.Hosting;

/// <summary>
/// What one silo runs beside its grains: its model grain (registered in <see cref="LocalModelGrains"/> under the
/// silo's id) and its encode-stream consumer. Lives exactly as long as the silo: it stops when the silo stops,
/// is killed, or kills itself, so a dead silo takes no more work and its pending jobs go to the others.
/// Does not own the model (the container or the test that made it disposes it).
/// </summary>
public sealed class SiloModelHost : IAsyncDisposable
{
    private readonly Silo _silo;
    private readonly LocalModelGrains _registry;
    private readonly ModelGrain _model;
    private readonly EncodeConsumer _consumer;
    private readonly ILogger _logger;
    private int _disposed;

    private SiloModelHost(Silo silo, IMemoryModel model, IServiceProvider services)
    {
        _silo = silo;
        var options = services.GetRequiredService<GrainsOptions>();
        var logs = services.GetRequiredService<ILoggerFactory>();
        _logger = logs.CreateLogger<SiloModelHost>();
        _registry = services.GetRequiredService<LocalModelGrains>();
        _model = new ModelGrain(model, silo.SiloId, options.Model.Device, options.Batching, logs.CreateLogger<ModelGrain>());
        _consumer = new EncodeConsumer(silo.SiloId, _model, services.GetRequiredService<EncodeQueue>(),
            services.GetRequiredService<DocumentStore>(), services.GetRequiredService<MemoryStore>(),
            services.GetRequiredService<TenantStore>(), options, logs.CreateLogger<EncodeConsumer>());
    }

    public IModelGrain Model => _model;

    /// <summary>Starts the model grain and consumer of a running silo.</summary>
    public static SiloModelHost Start(Silo silo, IMemoryModel model, IServiceProvider services)
    {
        if (silo.State != SiloState.Running) throw new InvalidOperationException($"silo {silo.SiloId} is {silo.State}");
        var host = new SiloModelHost(silo, model, services);
        host._registry.Register(silo.SiloId, host._model);
        host._consumer.Start();
        _ = silo.Stopped.ContinueWith(_ => host.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
        host._logger.LogInformation("Model grain {Key} serving model {Fingerprint} (spans of {SpanLength} tokens → {Slots} × {Dim} slots)",
            host._model.Key, model.Fingerprint, model.SpanLength, model.SlotsPerSpan, model.HiddenSize);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _consumer.DisposeAsync().ConfigureAwait(false);
        _registry.Unregister(_silo.SiloId);
        await _model.DisposeAsync().ConfigureAwait(false);
    }
}
