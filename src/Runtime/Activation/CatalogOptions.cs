namespace MemoryPlatform.Runtime.Activation;

/// <summary>Local activation policy (bound from configuration section Silo:Activation).</summary>
public sealed record CatalogOptions
{
    /// <summary>An activation with no request for this long is deactivated (Orleans' default: 15 min).</summary>
    public TimeSpan CollectionAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests waiting per activation before OverloadedException; null = unbounded (Orleans' default).</summary>
    public int? MaxQueueLength { get; init; }

    /// <summary>Bound on OnActivateAsync.</summary>
    public TimeSpan ActivationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on waiting for running requests plus OnDeactivateAsync.</summary>
    public TimeSpan DeactivationTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
