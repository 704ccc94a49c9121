using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Tenants;

/// <summary>
/// API keys: 32 random bytes shown once as <c>mp_</c> + base64url; Redis keeps only their SHA-256.
/// <c>apikey:{hash}</c> maps a hash to its tenant; the tenant hash keeps the same hash, and the two are
/// compared in constant time, so a forged index entry alone does not authenticate.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "mp_";

    public static string Generate() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    /// <summary><c>apikey:{hash}</c> → tenant id.</summary>
    public static string IndexKey(string hash) => "apikey:" + hash;

    /// <summary>The tenant hash field holding the key's hash.</summary>
    public const string TenantHashField = "api_key_sha256";

    /// <summary>The tenant that owns <paramref name="apiKey"/>, or null for an unknown, malformed or revoked key.</summary>
    public static async Task<string?> ResolveTenantAsync(IDatabaseAsync db, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey) || apiKey.Length > 256 || !apiKey.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var hash = Hash(apiKey);
        var tenant = (string?)await db.StringGetAsync(IndexKey(hash)).ConfigureAwait(false);
        if (tenant is null || !Storage.RedisIds.IsValid(tenant)) return null;
        var stored = (string?)await db.HashGetAsync(Storage.RedisKeys.Tenant(tenant), TenantHashField).ConfigureAwait(false);
        if (stored is null) return null;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(hash)) ? tenant : null;
    }
}
