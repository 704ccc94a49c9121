namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// Base class of grain implementations. The runtime attaches the activation context before
/// <see cref="OnActivateAsync"/>; constructors may take services from the silo's container.
/// State is the grain's business: load it in OnActivateAsync, save it when it changes or in
/// OnDeactivateAsync (which does not run if the silo dies).
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    internal void Attach(IGrainContext context) => _context = context;

    private IGrainContext Context =>
        _context ?? throw new InvalidOperationException("this grain was not activated by the runtime");

    public GrainId GrainId => Context.GrainId;

    /// <summary>The key this activation was addressed with.</summary>
    public string GetPrimaryKeyString() => Context.GrainId.Key;

    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>Id of the silo running this activation (for logs and diagnostics).</summary>
    protected string RuntimeIdentity => Context.SiloId;

    /// <summary>Deactivate once the current request completes; queued requests go to a new activation.</summary>
    protected void DeactivateOnIdle() => Context.DeactivateOnIdle();

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

/// <summary>What a grain sees of its activation.</summary>
internal interface IGrainContext
{
    GrainId GrainId { get; }
    IGrainFactory GrainFactory { get; }
    string SiloId { get; }
    void DeactivateOnIdle();
}
