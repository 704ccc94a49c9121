namespace MemoryPlatform.Gateway.Options;

/// <summary>The gateway's own settings (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Bearer token of the admin routes (POST /v1/tenants). Empty disables them (every call answers 401).</summary>
    public string AdminKey { get; set; } = "";

    /// <summary>Largest request body accepted, in bytes (JSON, text/plain or multipart); larger bodies answer 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most documents one query may read.</summary>
    public int MaxQueryDocuments { get; set; } = 16;

    /// <summary>Largest max_tokens a query may ask for.</summary>
    public int MaxQueryTokens { get; set; } = 1024;

    /// <summary>Retry-After (seconds) sent with 503 (no silo) and 429 (model overloaded).</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public TenantRateLimitOptions RateLimit { get; set; } = new();

    public ModelInfoOptions Model { get; set; } = new();
}
