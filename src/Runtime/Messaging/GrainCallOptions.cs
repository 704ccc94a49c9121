namespace MemoryPlatform.Runtime.Messaging;

/// <summary>Caller-side call behaviour (bound from configuration section Silo:Calls).</summary>
public sealed record GrainCallOptions
{
    /// <summary>Default deadline of a call (Orleans' default); <c>[CallTimeout]</c> overrides per method.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a silo may pass a call on to the directory's owner.</summary>
    public int MaxForwardCount { get; init; } = 2;

    /// <summary>First back-off before retrying an undelivered call (doubles up to <see cref="MaxRetryDelay"/>).</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
