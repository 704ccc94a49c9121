using MemoryPlatform.Grains.Tenants;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Auth;

/// <summary>API key → tenant id, through the hashed keys the tenant grains store in Redis.</summary>
public sealed class TenantKeys(IConnectionMultiplexer redis)
{
    public Task<string?> ResolveAsync(string apiKey) => ApiKeys.ResolveTenantAsync(redis.GetDatabase(), apiKey);
}
