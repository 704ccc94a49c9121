namespace MemoryPlatform.Runtime.Transport;

/// <summary>Silo-to-silo HTTP/2 settings (bound from configuration section Silo:Transport).</summary>
public sealed record TransportOptions
{
    /// <summary>Connecting to a dead silo's port must fail fast so the call can be re-routed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>HTTP/2 PING interval on idle connections (detects peers that vanished without a FIN).</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    public long MaxRequestBodyBytes { get; init; } = 64 * 1024 * 1024;
}
