using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Activation;

/// <summary>Periodically deactivates idle activations (Orleans' activation collector).</summary>
internal sealed class ActivationCollector : IAsyncDisposable
{
    private readonly Catalog _catalog;
    private readonly CatalogOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public ActivationCollector(Catalog catalog, CatalogOptions options, ILogger logger)
    {
        _catalog = catalog;
        _options = options;
        _logger = logger;
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.CollectionPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await _catalog.CollectIdleAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    _logger.LogError(ex, "Idle collection failed");
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
    }
}
