using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Silo;

/// <summary>
/// Runs the silo's model grain and encode consumer. Registered after the silo, so it starts once the silo is
/// running and stops before the silo does (hosted services stop in reverse order).
/// </summary>
public sealed class SiloModelHostedService(Runtime.Hosting.Silo silo, IMemoryModel model, IServiceProvider services) : IHostedService
{
    private SiloModelHost? _host;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _host = SiloModelHost.Start(silo, model, services);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>Resolves the model before the silo starts: a missing or broken model stops the process before it joins the cluster.</summary>
public sealed class ModelCheckHostedService(IServiceProvider services, ILogger<ModelCheckHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var model = services.GetRequiredService<IMemoryModel>();
        logger.LogInformation("Model {Fingerprint}: spans of {SpanLength} tokens → {Slots} × {Dim} slots, {Positions} decoder positions",
            model.Fingerprint, model.SpanLength, model.SlotsPerSpan, model.HiddenSize, model.MaxDecoderPositions);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
