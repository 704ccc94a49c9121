namespace MemoryPlatform.Gateway.Options;

/// <summary>Per-tenant token bucket (section <c>Gateway:RateLimit</c>): every tenant call takes one token.</summary>
public sealed class TenantRateLimitOptions
{
    /// <summary>Bucket size: the burst a tenant may send at once.</summary>
    public int TokenLimit { get; set; } = 100;

    /// <summary>Tokens added each <see cref="ReplenishmentPeriod"/>.</summary>
    public int TokensPerPeriod { get; set; } = 50;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
