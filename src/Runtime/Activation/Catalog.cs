using System.Collections.Concurrent;
using System.Reflection;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Activation;

/// <summary>
/// The silo's activations, keyed by grain id: creates them on first call, deactivates them.
/// Invariants:
/// - at most one local activation per grain id (the dictionary), and it serves requests only after
///   winning the directory's compare-and-set; a loser is dropped before running any grain code and
///   its callers are told the winner;
/// - OnActivateAsync completes before the first request; OnDeactivateAsync starts after the last
///   running request ended, and the directory entry is removed (if still ours) after it, so a new
///   activation anywhere never overlaps the old one's hooks;
/// - a closing catalog (silo stopping or killed) accepts no new activations ("not delivered": the
///   caller retries elsewhere).
/// </summary>
internal sealed class Catalog
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly CatalogOptions _options;
    private readonly GrainTypeRegistry _registry;
    private readonly GrainDirectory _directory;
    private readonly string _siloId;
    private readonly string _address;
    private readonly IServiceProvider _services;
    private readonly IGrainFactory _grainFactory;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private volatile bool _closed;

    public Catalog(CatalogOptions options, GrainTypeRegistry registry, GrainDirectory directory, string siloId,
        string address, IServiceProvider services, IGrainFactory grainFactory, RuntimeMetrics metrics, ILogger logger)
    {
        _options = options;
        _registry = registry;
        _directory = directory;
        _siloId = siloId;
        _address = address;
        _services = services;
        _grainFactory = grainFactory;
        _metrics = metrics;
        _logger = logger;
    }

    public int Count => _activations.Count;

    /// <summary>Finds the grain method a request names; unknown types or methods are the caller's error.</summary>
    public GrainMethod ResolveMethod(GrainCallRequest request)
    {
        var registration = _registry.Find(request.GrainType)
            ?? throw new GrainCallException(typeof(ArgumentException).FullName!, $"unknown grain type '{request.GrainType}'");
        return registration.Methods.GetValueOrDefault(request.Method)
            ?? throw new GrainCallException(typeof(MissingMethodException).FullName!,
                $"grain type '{request.GrainType}' has no method '{request.Method}'");
    }

    /// <summary>The local activation of <paramref name="grain"/> (activating it if needed), or the
    /// entry of the activation that owns it elsewhere.</summary>
    public async Task<(GrainActivation? Local, DirectoryEntry? Owner)> ResolveAsync(GrainId grain, CancellationToken ct)
    {
        while (true)
        {
            if (_activations.TryGetValue(grain, out var existing))
            {
                var owner = await existing.Ready.Task.WaitAsync(ct).ConfigureAwait(false);
                if (owner is not null) return (null, owner);
                if (existing.State != ActivationState.Deactivated) return (existing, null);
                await existing.Deactivated.Task.WaitAsync(ct).ConfigureAwait(false);
                continue;
            }
            if (_closed) throw new CallNotDeliveredException($"silo {_siloId} is not accepting activations");
            var registration = _registry.Find(grain.Type)
                ?? throw new GrainCallException(typeof(ArgumentException).FullName!, $"unknown grain type '{grain.Type}'");
            var activation = new GrainActivation(grain, registration,
                new DirectoryEntry(Guid.NewGuid().ToString("N"), _siloId, _address),
                new ActivationMailbox(_options.MaxQueueLength), this, _grainFactory);
            if (_activations.TryAdd(grain, activation))
                _ = Task.Run(() => ActivateAsync(activation)); // shared by every waiting caller, not tied to one
        }
    }

    private async Task ActivateAsync(GrainActivation activation)
    {
        DirectoryEntry winner;
        try
        {
            winner = await _directory.RegisterAsync(activation.GrainId, activation.Entry).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(activation, new CallNotDeliveredException("grain directory unreachable: " + ex.Message, ex));
            return;
        }
        if (winner.ActivationId != activation.ActivationId)
        {
            // Another silo won the compare-and-set: no grain code ran here; callers forward.
            Remove(activation);
            activation.SetState(ActivationState.Deactivated);
            activation.Ready.TrySetResult(winner);
            activation.Deactivated.TrySetResult();
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(_options.ActivationTimeout);
            await activation.RunOnSchedulerAsync(async () =>
            {
                var grain = (Grain)ActivatorUtilities.CreateInstance(_services, activation.Registration.Implementation);
                grain.Attach(activation);
                activation.Instance = grain;
                await grain.OnActivateAsync(timeout.Token).ConfigureAwait(true);
            }).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            _logger.LogWarning(cause, "Activation of {Grain} failed", activation.GrainId);
            await TryUnregisterAsync(activation).ConfigureAwait(false);
            Fail(activation, CallErrors.IsRuntimeError(cause) ? cause : GrainCallException.From(cause));
            return;
        }
        activation.SetState(ActivationState.Valid);
        _metrics.ActivationAdded();
        _logger.LogDebug("Activated {Activation}", activation);
        activation.Ready.TrySetResult(null);
        if (_closed) RequestDeactivation(activation, DeactivationReason.SiloShutdown);
    }

    private void Fail(GrainActivation activation, Exception error)
    {
        Remove(activation);
        activation.SetState(ActivationState.Deactivated);
        activation.Ready.TrySetException(error);
        activation.Deactivated.TrySetResult();
    }

    public void RequestDeactivation(GrainActivation activation, DeactivationReason reason, bool unregister = true) =>
        _ = Task.Run(() => DeactivateAsync(activation, reason, unregister: unregister));

    /// <summary>Deactivates a valid activation. <paramref name="onlyIfIdle"/>: give up if a request arrived meanwhile.</summary>
    public async Task DeactivateAsync(GrainActivation activation, DeactivationReason reason,
        bool onlyIfIdle = false, bool unregister = true)
    {
        if (!activation.TryTransition(ActivationState.Valid, ActivationState.Deactivating))
        {
            if (activation.State == ActivationState.Deactivating) await activation.Deactivated.Task.ConfigureAwait(false);
            return;
        }
        if (onlyIfIdle)
        {
            if (!activation.Mailbox.TryCloseIfIdle())
            {
                activation.TryTransition(ActivationState.Deactivating, ActivationState.Valid);
                return;
            }
        }
        else
        {
            activation.Mailbox.Close();
        }

        using var timeout = new CancellationTokenSource(_options.DeactivationTimeout);
        try
        {
            await activation.Mailbox.WaitDrainedAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
            if (activation.Instance is { } grain)
                await activation.RunOnSchedulerAsync(() => grain.OnDeactivateAsync(reason, timeout.Token))
                    .WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Deactivation of {Activation} ({Reason}) did not complete cleanly", activation, reason);
        }
        if (unregister) await TryUnregisterAsync(activation).ConfigureAwait(false);
        Remove(activation);
        activation.SetState(ActivationState.Deactivated);
        _metrics.ActivationRemoved();
        _logger.LogDebug("Deactivated {Activation} ({Reason})", activation, reason);
        activation.Deactivated.TrySetResult();
    }

    private async Task TryUnregisterAsync(GrainActivation activation)
    {
        try
        {
            await _directory.UnregisterAsync(activation.GrainId, activation.ActivationId).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The stale entry names this silo: our next registration replaces it, others forward to us.
            _logger.LogWarning("Could not unregister {Activation}: {Error}", activation, ex.Message);
        }
    }

    private void Remove(GrainActivation activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(activation.GrainId, activation));

    /// <summary>Deactivates activations idle for at least the collection age.</summary>
    public Task CollectIdleAsync()
    {
        var idle = _activations.Values.Where(a =>
            a.State == ActivationState.Valid && a.IdleFor >= _options.CollectionAge && a.Mailbox.IsIdle).ToList();
        return Task.WhenAll(idle.Select(a => DeactivateAsync(a, DeactivationReason.IdleTimeout, onlyIfIdle: true)));
    }

    /// <summary>
    /// After Redis lost control data: write our entries again; drop activations another silo now owns.
    /// True when every activation was handled (otherwise the caller tries again later).
    /// </summary>
    public async Task<bool> ReassertDirectoryAsync(CancellationToken ct)
    {
        var complete = true;
        foreach (var activation in _activations.Values.Where(a => a.State == ActivationState.Valid).ToList())
        {
            ct.ThrowIfCancellationRequested();
            DirectoryEntry winner;
            try
            {
                winner = await _directory.RegisterAsync(activation.GrainId, activation.Entry).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _logger.LogWarning("Could not re-assert {Activation}: {Error}", activation, ex.Message);
                complete = false;
                continue;
            }
            if (winner.ActivationId == activation.ActivationId) continue;
            _logger.LogWarning("{Activation} lost its directory entry to {Winner}; deactivating", activation, winner.SiloId);
            RequestDeactivation(activation, DeactivationReason.DirectoryConflict, unregister: false);
        }
        return complete;
    }

    /// <summary>Graceful stop: refuse new activations, deactivate every activation (hooks run, entries removed).</summary>
    public async Task DeactivateAllAsync()
    {
        _closed = true;
        var all = _activations.Values.ToList();
        await Task.WhenAll(all.Select(async a =>
        {
            try
            {
                if (await a.Ready.Task.ConfigureAwait(false) is not null) return;
            }
            catch
            {
                return; // failed activation: nothing to deactivate
            }
            await DeactivateAsync(a, DeactivationReason.SiloShutdown).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>Kill: refuse new activations; existing ones are abandoned without hooks.</summary>
    public void Close() => _closed = true;
}
