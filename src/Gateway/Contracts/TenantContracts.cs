namespace MemoryPlatform.Gateway.Contracts;

/// <summary>POST /v1/tenants body.</summary>
public sealed record CreateTenantRequest(string Name);

/// <summary>POST /v1/tenants answer; the API key is shown once and never again.</summary>
public sealed record CreateTenantResponse(string TenantId, string Name, string ApiKey);

/// <summary>GET /v1/tenant: the caller's own tenant, its quotas and usage.</summary>
public sealed record TenantResponse(string TenantId, string Name, int Documents, int MaxDocuments, long MemoryBytes,
    long MaxMemoryBytes, DateTimeOffset CreatedAt);
