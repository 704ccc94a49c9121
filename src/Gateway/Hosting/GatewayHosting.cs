using MemoryPlatform.Gateway.Auth;
using MemoryPlatform.Gateway.Cluster;
using MemoryPlatform.Gateway.Connections;
using MemoryPlatform.Gateway.Endpoints;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Json;
using MemoryPlatform.Gateway.Limits;
using MemoryPlatform.Gateway.Metrics;
using MemoryPlatform.Gateway.Options;
using MemoryPlatform.Runtime.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Hosting;

/// <summary>
/// The gateway's wiring, in one place: options, the cluster client, auth, limits, metrics, OpenAPI (services),
/// the connection guard below HTTP (a NUL in a request target), and the pipeline order
/// (metrics → errors → body limit → static files → auth → rate limit → endpoints).
/// </summary>
public static class GatewayHosting
{
    /// <summary>Configuration section of the runtime's cluster client (ClusterId, RedisConnectionString, Calls, Membership).</summary>
    public const string ClusterSection = "Cluster";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Gateway:MaxRequestBodyBytes must be positive")
            .Validate(o => o.RateLimit.TokenLimit > 0 && o.RateLimit.TokensPerPeriod > 0 && o.RateLimit.ReplenishmentPeriod > TimeSpan.Zero,
                "Gateway:RateLimit needs a positive TokenLimit, TokensPerPeriod and ReplenishmentPeriod")
            .ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
            kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBodyBytes);
        services.AddOptions<KestrelServerOptions>().Configure(kestrel => kestrel.ConfigureEndpointDefaults(NulTargetGuard.Use));
        services.AddOptions<FormOptions>().Configure<IOptions<GatewayOptions>>((form, gateway) =>
        {
            form.MultipartBodyLengthLimit = gateway.Value.MaxRequestBodyBytes;
            form.ValueLengthLimit = (int)Math.Min(int.MaxValue, gateway.Value.MaxRequestBodyBytes);
        });
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));

        services.AddClusterClient(builder.Configuration.GetSection(ClusterSection));
        // The gateway's own connection (API keys, readiness), with the runtime's options: Redis may come up after the
        // gateway or restart under it; the gateway answers 503 meanwhile and reconnects at the runtime's steady pace.
        services.AddSingleton<IConnectionMultiplexer>(sp => ConnectionMultiplexer.Connect(RedisConnections.Options(
            ClusterClientOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>().GetSection(ClusterSection)).RedisConnectionString,
            "memplat-gateway")));
        services.AddSingleton<IdempotentCalls>();
        services.AddSingleton<Readiness>();
        services.AddSingleton<ErrorMapper>();
        services.AddSingleton<TenantKeys>();

        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.TenantPolicy, p => p.RequireClaim(ApiKeyDefaults.TenantClaim))
            .AddPolicy(ApiKeyDefaults.AdminPolicy, p => p.RequireRole(ApiKeyDefaults.AdminRole));
        services.AddTenantRateLimiting();

        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<PrometheusExporter>();

        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityTransformer>());
        return builder;
    }

    public static WebApplication UseGateway(this WebApplication app)
    {
        app.Services.GetRequiredService<PrometheusExporter>(); // start listening before the first request
        app.UseMiddleware<HttpMetricsMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(context => StatusCodeErrors.WriteAsync(context.HttpContext));
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOperationsEndpoints();
        app.MapOpenApi();
        var v1 = app.MapGroup("/v1");
        v1.MapModelEndpoints();
        v1.MapTenantEndpoints();
        var tenantCalls = v1.MapGroup("")
            .RequireAuthorization(ApiKeyDefaults.TenantPolicy)
            .RequireRateLimiting(TenantRateLimiting.Policy);
        tenantCalls.MapDocumentEndpoints();
        tenantCalls.MapQueryEndpoints();
        return app;
    }
}
