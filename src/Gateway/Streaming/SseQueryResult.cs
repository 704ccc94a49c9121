using MemoryPlatform.Gateway.Contracts;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Metrics;
using MemoryPlatform.Grains.Contracts;

namespace MemoryPlatform.Gateway.Streaming;

/// <summary>
/// Writes a started query as SSE: <c>token</c> per token (<c>{"text", "token_id"}</c>), then <c>usage</c>, then
/// <c>done</c>. An error after the stream started is an <c>error</c> event carrying the API's error shape, and
/// the stream ends. A client that goes away cancels the grain call through the request's token.
/// </summary>
public sealed class SseQueryResult(IAsyncEnumerator<QueryEvent> events, bool hasFirst, GatewayMetrics metrics) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        await using (events)
        {
            ServerSentEvents.Start(context);
            await response.StartAsync(ct);
            try
            {
                for (var has = hasFirst; has; has = await events.MoveNextAsync())
                {
                    var e = events.Current;
                    if (e.Usage is { } usage)
                        await ServerSentEvents.WriteAsync(response, "usage", UsageResponse.From(usage), ct);
                    else if (e.Text is { } text)
                    {
                        await ServerSentEvents.WriteAsync(response, "token", new TokenEvent(text, e.TokenId), ct);
                        metrics.TokenStreamed();
                    }
                }
                await ServerSentEvents.WriteAsync(response, "done", new { }, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                var mapper = context.RequestServices.GetRequiredService<ErrorMapper>();
                var failure = mapper.Map(ex);
                if (failure is null)
                {
                    context.RequestServices.GetRequiredService<ILogger<SseQueryResult>>().LogError(ex, "Query stream failed");
                    failure = ErrorMapper.Internal;
                }
                await ServerSentEvents.WriteAsync(response, "error", failure.Body, ct);
            }
        }
    }
}
