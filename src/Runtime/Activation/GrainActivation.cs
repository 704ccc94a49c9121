using System.Runtime.CompilerServices;
using System.Text.Json;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Messaging;

namespace MemoryPlatform.Runtime.Activation;

/// <summary>
/// One local activation of a grain: the grain object, its mailbox and its scheduler.
/// Invariants:
/// - all grain code of the activation (hooks, methods, stream iterators) runs on one exclusive
///   TaskScheduler, so even interleaved requests never run grain code on two threads at once
///   (code after ConfigureAwait(false) leaves the scheduler, as in Orleans);
/// - requests are admitted by the mailbox (turn-based unless the method interleaves);
/// - a request admitted to a stream method holds its turn until the stream ends or the caller stops;
/// - exceptions thrown by grain code leave as GrainCallException (runtime exceptions pass unchanged).
/// </summary>
internal sealed class GrainActivation : IGrainContext
{
    private readonly Catalog _catalog;
    private readonly TaskScheduler _scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private long _lastActive = Environment.TickCount64;
    private int _state = (int)ActivationState.Activating;

    public GrainActivation(GrainId grainId, GrainRegistration registration, DirectoryEntry entry,
        ActivationMailbox mailbox, Catalog catalog, IGrainFactory grainFactory)
    {
        GrainId = grainId;
        Registration = registration;
        Entry = entry;
        Mailbox = mailbox;
        _catalog = catalog;
        GrainFactory = grainFactory;
    }

    public GrainId GrainId { get; }
    public GrainRegistration Registration { get; }

    /// <summary>This activation's directory entry (what it registers).</summary>
    public DirectoryEntry Entry { get; }

    public string ActivationId => Entry.ActivationId;
    public string SiloId => Entry.SiloId;
    public ActivationMailbox Mailbox { get; }
    public IGrainFactory GrainFactory { get; }
    public Grain? Instance { get; set; }

    /// <summary>Null once this activation is valid; the winner's entry when another activation owns the grain.</summary>
    public TaskCompletionSource<DirectoryEntry?> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Deactivated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActivationState State => (ActivationState)Volatile.Read(ref _state);

    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastActive));

    public bool TryTransition(ActivationState from, ActivationState to) =>
        Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from;

    public void SetState(ActivationState state) => Volatile.Write(ref _state, (int)state);

    void IGrainContext.DeactivateOnIdle() => _catalog.RequestDeactivation(this, DeactivationReason.DeactivateOnIdle);

    /// <summary>Runs <paramref name="work"/> on the activation's scheduler (its awaits stay there).</summary>
    public Task<T> RunOnSchedulerAsync<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    public Task RunOnSchedulerAsync(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    /// <summary>Runs one request. Throws <see cref="ActivationClosedException"/> before anything ran if
    /// the activation is deactivating.</summary>
    public async IAsyncEnumerable<JsonElement> InvokeAsync(GrainMethod method, JsonElement[] arguments,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var kind = Registration.IsReentrant ? Interleaving.Always : method.Interleaving;
        using var turn = await Mailbox.EnterAsync(kind, ct).ConfigureAwait(false) ?? throw new ActivationClosedException();
        Touch();
        try
        {
            object?[] args;
            try
            {
                args = method.BindArguments(arguments, ct);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException)
            {
                throw GrainCallException.From(ex);
            }

            var grain = Instance!;
            if (method.Kind != ReturnKind.Stream)
            {
                var result = await RunGrainCodeAsync(() => method.InvokeUnaryAsync(grain, args)).ConfigureAwait(false);
                yield return WireJson.ToElement(result, method.ResultType);
                yield break;
            }

            var stream = await RunGrainCodeAsync(() => Task.FromResult(method.InvokeStream(grain, args, ct))).ConfigureAwait(false);
            var enumerator = stream.GetAsyncEnumerator(ct);
            try
            {
                while (await RunGrainCodeAsync(() => enumerator.MoveNextAsync().AsTask()).ConfigureAwait(false))
                    yield return WireJson.ToElement(enumerator.Current, method.ResultType);
            }
            finally
            {
                await RunGrainCodeAsync(async () =>
                {
                    await enumerator.DisposeAsync().ConfigureAwait(true);
                    return true;
                }).ConfigureAwait(false);
            }
        }
        finally
        {
            Touch();
        }
    }

    private async Task<T> RunGrainCodeAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await RunOnSchedulerAsync(work).ConfigureAwait(false);
        }
        catch (Exception ex) when (!CallErrors.IsRuntimeError(ex))
        {
            throw GrainCallException.From(ex);
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastActive, Environment.TickCount64);

    public override string ToString() => $"{GrainId}#{ActivationId}";
}
