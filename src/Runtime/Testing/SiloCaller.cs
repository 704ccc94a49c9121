using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Transport;

namespace MemoryPlatform.Runtime.Testing;

/// <summary>
/// Sends grain calls to a silo of the caller's choice, skipping the directory and placement, as a caller holding a
/// stale location does: the silo runs the call if it hosts the grain and forwards it to the owner otherwise
/// (<see cref="GrainCallRouter"/>). For tests and benchmarks of forwarding; applications call grains through a
/// silo's or a <see cref="Hosting.ClusterClient"/>'s GrainFactory.
/// </summary>
public sealed class SiloCaller : IDisposable
{
    private readonly SiloHttpClient _transport;
    private readonly GrainCallOptions _calls;

    public SiloCaller(TransportOptions? transport = null, GrainCallOptions? calls = null)
    {
        _transport = new SiloHttpClient(transport ?? new TransportOptions());
        _calls = calls ?? new GrainCallOptions();
    }

    /// <summary>
    /// Calls <typeparamref name="TGrain"/>.<paramref name="method"/> (a method returning Task&lt;TResult&gt;) on the
    /// grain <paramref name="key"/> through the silo at <paramref name="siloAddress"/> (host:port). The arguments
    /// leave out the method's CancellationToken; <paramref name="ct"/> takes its place. Errors arrive typed, as from
    /// a grain reference; an undelivered call is not retried.
    /// </summary>
    public async Task<TResult> CallAsync<TGrain, TResult>(string siloAddress, string key, string method,
        IReadOnlyList<object?> arguments, CancellationToken ct) where TGrain : IGrainWithStringKey
    {
        var grainMethod = GrainMethod.MethodsOf(typeof(TGrain)).GetValueOrDefault($"{method}/{arguments.Count}")
            ?? throw new ArgumentException($"{typeof(TGrain).Name} has no method {method} taking {arguments.Count} arguments", nameof(method));
        if (grainMethod.Kind != ReturnKind.TaskOfT || grainMethod.ResultType != typeof(TResult))
            throw new ArgumentException($"{typeof(TGrain).Name}.{method} does not return Task<{typeof(TResult).Name}>", nameof(method));

        var timeout = grainMethod.Timeout ?? _calls.DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var request = new GrainCallRequest
        {
            GrainType = GrainTypeName.Of(typeof(TGrain)),
            Key = key,
            Method = grainMethod.Name,
            Arguments = arguments.Select((a, i) => WireJson.ToElement(a, grainMethod.ArgumentTypes[i])).ToArray(),
            TimeoutMs = (int)timeout.TotalMilliseconds,
        };
        System.Text.Json.JsonElement? result = null;
        try
        {
            await foreach (var value in _transport.SendAsync(siloAddress, request, deadline.Token).ConfigureAwait(false))
                result = value;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException($"call {request.GrainId}.{request.Method} via {siloAddress} timed out after {timeout}");
        }
        return result is { } element
            ? (TResult)WireJson.FromElement(element, typeof(TResult))!
            : throw new SiloUnavailableException($"{request.GrainId}.{request.Method} via {siloAddress} returned no result");
    }

    public void Dispose() => _transport.Dispose();
}
