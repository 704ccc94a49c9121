using System.Diagnostics;

namespace MemoryPlatform.Gateway.Metrics;

/// <summary>
/// Outermost middleware: records every request once, with its route template (not the raw path, so ids do
/// not explode the label set), method and final status. Unrouted requests count as "static" when answered by
/// the static files and "unmatched" otherwise.
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } raw
                ? (raw.Length > 1 ? raw.TrimEnd('/') : raw) // a group joined with "" leaves a trailing slash
                : context.Response.StatusCode is >= 200 and < 400 ? "static" : "unmatched";
            var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            metrics.RequestCompleted(route, context.Request.Method, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
