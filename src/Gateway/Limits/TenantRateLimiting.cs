using System.Globalization;
using System.Threading.RateLimiting;
using MemoryPlatform.Gateway.Auth;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Options;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MemoryPlatform.Gateway.Limits;

/// <summary>
/// One token bucket per tenant (ASP.NET Core's rate limiter, partitioned by the authenticated tenant claim).
/// Runs after authorization, so unauthenticated calls never spend a tenant's tokens. A refusal is 429
/// <c>rate_limited</c> with Retry-After: the limiter's own estimate, or one replenishment period.
/// </summary>
public static class TenantRateLimiting
{
    public const string Policy = "tenant-bucket";

    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Policy, context =>
            {
                var tenant = context.User.FindFirst(ApiKeyDefaults.TenantClaim)?.Value;
                if (tenant is null) return RateLimitPartition.GetNoLimiter("");
                var limits = Limits(context);
                return RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.TokenLimit,
                    TokensPerPeriod = limits.TokensPerPeriod,
                    ReplenishmentPeriod = limits.ReplenishmentPeriod,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.OnRejected = (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Limits(context.HttpContext).ReplenishmentPeriod;
                var seconds = (int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
                return new ValueTask(ErrorWriter.WriteAsync(context.HttpContext, new ApiFailure(StatusCodes.Status429TooManyRequests,
                    ErrorCodes.RateLimited, string.Create(CultureInfo.InvariantCulture, $"rate limit exceeded; retry in {seconds} s"), seconds)));
            };
        });
        return services;
    }

    // Read per request (the options are a singleton snapshot): configuration is complete by then, whoever built the host.
    private static TenantRateLimitOptions Limits(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RateLimit;
}
