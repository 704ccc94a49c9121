namespace MemoryPlatform.Gateway.Auth;

/// <summary>Names of the bearer-key scheme, its claims and the two policies.</summary>
public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";
    public const string TenantClaim = "memplat:tenant";
    public const string AdminRole = "admin";

    /// <summary>Calls on a tenant's own data: a tenant API key.</summary>
    public const string TenantPolicy = "tenant";

    /// <summary>Administration (creating tenants): the configured admin key.</summary>
    public const string AdminPolicy = "admin";
}
