using System.Runtime.CompilerServices;
using System.Text.Json;
using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Transport;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>
/// Moves calls between callers, silos and activations (Orleans' message center + dispatcher).
/// Outbound: locate the grain (cache → directory → placement), then run it here or send it to the
/// silo found. Inbound: run it on the local activation (activating it), or forward to the owner.
/// Invariants:
/// - a call is retried only while no response value has arrived and the failure proves it was not
///   delivered (<see cref="CallNotDeliveredException"/>), so retries never run a grain method twice;
///   retries back off and stop at the caller's deadline;
/// - a silo forwards a call at most <see cref="GrainCallOptions.MaxForwardCount"/> times in total;
/// - a client (no catalog) never runs grains; it only sends.
/// </summary>
internal sealed class GrainCallRouter
{
    private readonly GrainLocator _locator;
    private readonly SiloHttpClient _transport;
    private readonly Catalog? _catalog;
    private readonly string? _selfAddress;
    private readonly GrainCallOptions _options;
    private readonly ILogger _logger;

    public GrainCallRouter(GrainLocator locator, SiloHttpClient transport, Catalog? catalog, string? selfAddress,
        GrainCallOptions options, RuntimeMetrics metrics, ILogger logger)
    {
        _locator = locator;
        _transport = transport;
        _catalog = catalog;
        _selfAddress = selfAddress;
        _options = options;
        Metrics = metrics;
        _logger = logger;
    }

    public GrainCallOptions Options => _options;
    public RuntimeMetrics Metrics { get; }

    /// <summary>Outbound call; <paramref name="ct"/> carries the caller's cancellation and deadline, and
    /// <paramref name="deadline"/> the deadline alone (to tell the two apart: a call that no silo took by its deadline is
    /// reported as not delivered, not as a timeout).</summary>
    public async IAsyncEnumerable<JsonElement> SendAsync(GrainCallRequest request, long deadlineTicks, CancellationToken deadline,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var delay = _options.InitialRetryDelay;
        CallNotDeliveredException? undelivered = null;   // why the last attempt found no silo, if it did not
        while (true)
        {
            IAsyncEnumerator<JsonElement>? results = null;
            bool hasFirst;
            try
            {
                var address = await _locator.LocateAsync(request.GrainId, ct).ConfigureAwait(false);
                var timed = request with { TimeoutMs = RemainingMs(deadlineTicks) };
                results = (_catalog is not null && address == _selfAddress
                    ? ReceiveAsync(timed, ct)
                    : _transport.SendAsync(address, timed, ct)).GetAsyncEnumerator(ct);
                hasFirst = await results.MoveNextAsync().ConfigureAwait(false);
            }
            catch (CallNotDeliveredException ex) when (!ct.IsCancellationRequested)
            {
                if (results is not null) await results.DisposeAsync().ConfigureAwait(false);
                undelivered = ex;
                _locator.Forget(request.GrainId);
                Metrics.CallRetried();
                _logger.LogDebug("Call to {Grain} not delivered ({Error}); retrying in {Delay}", request.GrainId, ex.Message, delay);
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    throw NotDelivered(request, ex);
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                continue;
            }
            catch (OperationCanceledException) when (undelivered is not null && deadline.IsCancellationRequested)
            {
                // The deadline ran out in a retry (locating again, say) after no silo took the call: that is still why.
                if (results is not null) await results.DisposeAsync().ConfigureAwait(false);
                throw NotDelivered(request, undelivered);
            }
            catch
            {
                if (results is not null) await results.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await foreach (var value in RestOf(results, hasFirst).ConfigureAwait(false)) yield return value;
            yield break;
        }
    }

    /// <summary>The deadline passed without any silo taking the call: say why, not just "timeout".</summary>
    private static SiloUnavailableException NotDelivered(GrainCallRequest request, CallNotDeliveredException why) =>
        new($"{request.GrainId}.{request.Method} was not delivered before its deadline: {why.Message}", why);

    /// <summary>The values of a stream whose first MoveNextAsync already ran (its outcome decides retries); disposes it.</summary>
    private static async IAsyncEnumerable<JsonElement> RestOf(IAsyncEnumerator<JsonElement> results, bool hasFirst)
    {
        try
        {
            if (!hasFirst) yield break;
            yield return results.Current;
            while (await results.MoveNextAsync().ConfigureAwait(false)) yield return results.Current;
        }
        finally
        {
            await results.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Inbound call (from the transport, or from a local caller that located the grain here).</summary>
    public async IAsyncEnumerable<JsonElement> ReceiveAsync(GrainCallRequest request,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var catalog = _catalog ?? throw new CallNotDeliveredException("this process hosts no grains");
        var method = catalog.ResolveMethod(request);
        while (true)
        {
            var (activation, owner) = await catalog.ResolveAsync(request.GrainId, ct).ConfigureAwait(false);
            if (activation is null)
            {
                // Lost the directory race (or a stale hint sent the call here): pass it to the owner.
                if (request.ForwardCount >= _options.MaxForwardCount)
                    throw new CallNotDeliveredException($"{request.GrainId} forwarded {request.ForwardCount} times");
                _locator.Remember(request.GrainId, owner!);
                Metrics.CallForwarded();
                var forwarded = request with { ForwardCount = request.ForwardCount + 1 };
                await foreach (var value in _transport.SendAsync(owner!.Address, forwarded, ct).ConfigureAwait(false))
                    yield return value;
                yield break;
            }

            var results = activation.InvokeAsync(method, request.Arguments, ct).GetAsyncEnumerator(ct);
            bool hasFirst;
            try
            {
                hasFirst = await results.MoveNextAsync().ConfigureAwait(false);
            }
            catch (ActivationClosedException)
            {
                await results.DisposeAsync().ConfigureAwait(false);
                await activation.Deactivated.Task.WaitAsync(ct).ConfigureAwait(false);
                continue; // the grain is being deactivated: run on its next activation
            }
            catch
            {
                await results.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await foreach (var value in RestOf(results, hasFirst).ConfigureAwait(false)) yield return value;
            yield break;
        }
    }

    private static int RemainingMs(long deadlineTicks) => deadlineTicks == 0
        ? 0
        : (int)Math.Clamp(deadlineTicks - Environment.TickCount64, 1, int.MaxValue);
}
