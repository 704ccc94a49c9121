using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Hosting;

namespace MemoryPlatform.Gateway.Cluster;

/// <summary>
/// The runtime's client already retries a call that provably never reached a silo (connection refused, no
/// active silo) until the call's deadline, forgetting the cached location each time. It does not retry a call
/// whose connection broke after sending (<see cref="SiloUnavailableException"/>: the method may have run).
/// For calls that are safe to repeat (reads: status, listing, reconstruction, a query that has not yet
/// produced anything) the gateway retries those once, after re-reading the membership table, so that the
/// retry is placed with the freshest view. Writes (ingest, append, delete, tenant creation) are never repeated.
/// </summary>
public sealed class IdempotentCalls(ClusterClient client, ILogger<IdempotentCalls> logger)
{
    public async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(ct);
        }
        catch (SiloUnavailableException ex) when (!ct.IsCancellationRequested)
        {
            await BeforeRetryAsync(operation, ex, ct);
            return await call(ct);
        }
    }

    /// <summary>Logs the first failure and refreshes the membership view before the single retry.</summary>
    public async Task BeforeRetryAsync(string operation, SiloUnavailableException ex, CancellationToken ct)
    {
        logger.LogWarning("{Operation} lost its silo ({Error}); refreshing membership and retrying once", operation, ex.Message);
        try
        {
            await client.Membership.RefreshAsync(ct);
        }
        catch (Exception refresh) when (refresh is not OperationCanceledException)
        {
            // The view keeps its last snapshot; the retry still goes through the client's own location logic.
            logger.LogWarning("Membership refresh before retry failed: {Error}", refresh.Message);
        }
    }
}
