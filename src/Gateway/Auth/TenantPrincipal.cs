using System.Security.Claims;

namespace MemoryPlatform.Gateway.Auth;

public static class TenantPrincipal
{
    /// <summary>The authenticated tenant; only called behind the tenant policy, which guarantees the claim.</summary>
    public static string TenantId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyDefaults.TenantClaim) ?? throw new InvalidOperationException("no tenant claim: route lacks the tenant policy");
}
