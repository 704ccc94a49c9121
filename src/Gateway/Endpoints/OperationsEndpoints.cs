using MemoryPlatform.Gateway.Cluster;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Metrics;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>/healthz (the process answers), /readyz (Redis and at least one active silo), /metrics (Prometheus text).</summary>
public static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).WithTags("operations").WithName("Health");

        app.MapGet("/readyz", async (Readiness readiness, CancellationToken ct) =>
        {
            var (ready, reason, silos) = await readiness.CheckAsync(ct);
            return ready
                ? Results.Ok(new { status = "ready", active_silos = silos })
                : ErrorWriter.Result(new ApiFailure(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, reason, 1));
        }).WithTags("operations").WithName("Ready").ProducesErrors(503);

        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType))
            .WithTags("operations").WithName("Metrics").ExcludeFromDescription();
        return app;
    }
}
