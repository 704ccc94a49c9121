using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>
/// The proxy behind a grain interface (System.Reflection.DispatchProxy). Each interface method call
/// becomes one <see cref="GrainCallRequest"/>: arguments serialized, deadline set, result deserialized.
/// Invariants:
/// - a call's deadline is the method's [CallTimeout] or the default (30 s); past it the caller gets
///   TimeoutException and the callee's token is cancelled; the caller's own token gives
///   OperationCanceledException;
/// - for IAsyncEnumerable methods the deadline bounds each wait for the next item, not the whole stream.
/// </summary>
public class GrainReference : DispatchProxy
{
    private static readonly ConcurrentDictionary<GrainMethod, Func<GrainReference, GrainMethod, object?[], object>> Adapters = new();

    private GrainCallRouter? _router;

    public GrainId GrainId { get; private set; }

    internal void Initialize(GrainId grainId, GrainCallRouter router)
    {
        GrainId = grainId;
        _router = router;
    }

    private GrainCallRouter Router => _router ?? throw new InvalidOperationException("uninitialized grain reference");

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = GrainMethod.For(targetMethod);
        return Adapters.GetOrAdd(method, CreateAdapter)(this, method, args ?? []);
    }

    private static Func<GrainReference, GrainMethod, object?[], object> CreateAdapter(GrainMethod method)
    {
        switch (method.Kind)
        {
            case ReturnKind.Task:
                return static (r, m, a) => r.InvokeAsync(m, a);
            case ReturnKind.ValueTask:
                return static (r, m, a) => new ValueTask(r.InvokeAsync(m, a));
        }
        var name = method.Kind switch
        {
            ReturnKind.TaskOfT => nameof(InvokeTaskAdapter),
            ReturnKind.ValueTaskOfT => nameof(InvokeValueTaskAdapter),
            _ => nameof(StreamAdapter),
        };
        return typeof(GrainReference).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(method.ResultType!)
            .CreateDelegate<Func<GrainReference, GrainMethod, object?[], object>>();
    }

    private static object InvokeTaskAdapter<T>(GrainReference r, GrainMethod m, object?[] a) => r.InvokeAsync<T>(m, a);

    private static object InvokeValueTaskAdapter<T>(GrainReference r, GrainMethod m, object?[] a) =>
        new ValueTask<T>(r.InvokeAsync<T>(m, a));

    private static object StreamAdapter<T>(GrainReference r, GrainMethod m, object?[] a) =>
        r.StreamAsync<T>(m, a, CancellationToken.None);

    private async Task<T> InvokeAsync<T>(GrainMethod method, object?[] args) =>
        (T)WireJson.FromElement(await InvokeAsync(method, args).ConfigureAwait(false), typeof(T))!;

    private async Task<JsonElement> InvokeAsync(GrainMethod method, object?[] args)
    {
        var callerToken = CallerToken(method, args);
        var timeout = method.Timeout ?? Router.Options.DefaultTimeout;
        var request = CreateRequest(method, args);
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, deadline.Token);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            JsonElement? result = null;
            await foreach (var value in Router.SendAsync(request, Environment.TickCount64 + (long)timeout.TotalMilliseconds,
                               deadline.Token, linked.Token).ConfigureAwait(false))
                result = value;
            outcome = "ok";
            return result ?? throw new SiloUnavailableException($"{GrainId}.{method.Name} returned no result");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            outcome = "timeout";
            throw new TimeoutException($"call {GrainId}.{method.Name} timed out after {timeout}");
        }
        catch (TimeoutException)
        {
            outcome = "timeout";
            throw;
        }
        finally
        {
            Router.Metrics.CallCompleted(GrainId.Type, method.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome);
        }
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(GrainMethod method, object?[] args,
        [EnumeratorCancellation] CancellationToken enumeratorToken)
    {
        var callerToken = CallerToken(method, args);
        var timeout = method.Timeout ?? Router.Options.DefaultTimeout;
        var request = CreateRequest(method, args);
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, enumeratorToken, deadline.Token);
        await using var results = Router.SendAsync(request, 0, CancellationToken.None, linked.Token).GetAsyncEnumerator(linked.Token);
        while (true)
        {
            deadline.CancelAfter(timeout);
            bool hasNext;
            try
            {
                hasNext = await results.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested &&
                                                      !callerToken.IsCancellationRequested && !enumeratorToken.IsCancellationRequested)
            {
                throw new TimeoutException($"stream {GrainId}.{method.Name} produced no item within {timeout}");
            }
            if (!hasNext) yield break;
            deadline.CancelAfter(Timeout.InfiniteTimeSpan); // the consumer's own pace is not a timeout
            yield return (T)WireJson.FromElement(results.Current, typeof(T))!;
        }
    }

    private static CancellationToken CallerToken(GrainMethod method, object?[] args) =>
        method.CancellationTokenIndex >= 0 ? (CancellationToken)args[method.CancellationTokenIndex]! : default;

    private GrainCallRequest CreateRequest(GrainMethod method, object?[] args)
    {
        var arguments = new JsonElement[method.ArgumentTypes.Length];
        for (int p = 0, a = 0; p < args.Length; p++)
            if (p != method.CancellationTokenIndex)
                arguments[a] = JsonSerializer.SerializeToElement(args[p], method.ArgumentTypes[a++], WireJson.Options);
        return new GrainCallRequest { GrainType = GrainId.Type, Key = GrainId.Key, Method = method.Name, Arguments = arguments };
    }

    public override string ToString() => $"GrainReference({GrainId})";
}
