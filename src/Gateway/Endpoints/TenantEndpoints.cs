using System.Security.Claims;
using MemoryPlatform.Gateway.Auth;
using MemoryPlatform.Gateway.Cluster;
using MemoryPlatform.Gateway.Contracts;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Json;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>POST /v1/tenants (admin key) creates a tenant and its API key; GET /v1/tenant shows the caller's tenant.</summary>
public static class TenantEndpoints
{
    private const int MaxNameLength = 100;

    public static RouteGroupBuilder MapTenantEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/tenants", Create).WithName("CreateTenant").WithTags("tenants")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .Accepts<CreateTenantRequest>("application/json")
            .Produces<CreateTenantResponse>(StatusCodes.Status201Created)
            .ProducesErrors(400, 401, 403, 413, 415, 503, 504)
            .WithSummary("Creates a tenant (admin key); the API key in the answer is shown once.");

        v1.MapGet("/tenant", Get).WithName("GetTenant").WithTags("tenants")
            .RequireAuthorization(ApiKeyDefaults.TenantPolicy)
            .RequireRateLimiting(Limits.TenantRateLimiting.Policy)
            .Produces<TenantResponse>()
            .ProducesErrors(401, 404, 429, 503, 504)
            .WithSummary("The caller's tenant: quotas and usage.");
        return v1;
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<CreateTenantRequest>(request, ct);
        var name = body.Name.Trim();
        if (name.Length == 0) throw ApiException.BadRequest("name is empty");
        if (name.Length > MaxNameLength) throw ApiException.BadRequest($"name is longer than {MaxNameLength} characters");
        if (name.Any(char.IsControl)) throw ApiException.BadRequest("name contains control characters");
        var created = await grains.GetGrain<ITenantGrain>(NewIds.Tenant()).Create(name, ct);
        return Results.Json(new CreateTenantResponse(created.TenantId, created.Name, created.ApiKey), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Get(ClaimsPrincipal user, IGrainFactory grains, IdempotentCalls calls, CancellationToken ct)
    {
        var grain = grains.GetGrain<ITenantGrain>(user.TenantId());
        var info = await calls.RunAsync("GetTenant", grain.Get, ct) ?? throw ApiException.NotFound("tenant not found");
        return Results.Ok(new TenantResponse(info.TenantId, info.Name, info.Documents, info.MaxDocuments, info.MemoryBytes,
            info.MaxMemoryBytes, info.CreatedAt));
    }
}
