using System.Security.Claims;
using System.Text;
using MemoryPlatform.Gateway.Auth;
using MemoryPlatform.Gateway.Cluster;
using MemoryPlatform.Gateway.Contracts;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Json;
using MemoryPlatform.Gateway.Metrics;
using MemoryPlatform.Gateway.Options;
using MemoryPlatform.Gateway.Streaming;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Options;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>
/// POST /v1/query: a prompt over the memory of one or more of the tenant's documents. The call goes to the
/// first document's grain with the full ordered list. The first event is awaited before anything is written,
/// so errors that precede generation (not found, not ready, overloaded, no silo) keep their HTTP status even
/// when streaming; later errors arrive as an SSE <c>error</c> event. The client's disconnect cancels generation.
/// </summary>
public static class QueryEndpoints
{
    public static RouteGroupBuilder MapQueryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/query", Query).WithName("Query").WithTags("query")
            .Accepts<QueryHttpRequest>("application/json")
            .Produces<QueryResponse>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .ProducesErrors(400, 401, 404, 409, 413, 415, 429, 503, 504)
            .WithSummary("Answers a prompt over documents' memory; \"stream\": true answers with Server-Sent Events.");
        return v1;
    }

    private static async Task<IResult> Query(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        IdempotentCalls calls, IOptions<GatewayOptions> options, GatewayMetrics metrics, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<QueryHttpRequest>(request, ct);
        var tenant = user.TenantId();
        var grainKey = Validate(body, tenant, options.Value);
        var query = new QueryRequest(body.Documents, body.Prompt, body.MaxTokens, body.Temperature, body.Seed, body.NoRepeatNgram);
        var grain = grains.GetGrain<IDocumentGrain>(grainKey);

        var (events, hasFirst) = await StartAsync(grain, query, calls, ct);
        if (body.Stream) return new SseQueryResult(events, hasFirst, metrics);

        await using (events)
        {
            var answer = new StringBuilder();
            QueryUsage? usage = null;
            for (var has = hasFirst; has; has = await events.MoveNextAsync())
            {
                var e = events.Current;
                if (e.Usage is { } u) usage = u;
                else if (e.Text is { } text)
                {
                    answer.Append(text);
                    metrics.TokenStreamed();
                }
            }
            if (usage is null) throw new InvalidOperationException("the document grain ended a query without a usage event");
            return Results.Ok(new QueryResponse(answer.ToString(), UsageResponse.From(usage)));
        }
    }

    /// <summary>Starts the query and waits for its first event; retried once (nothing has been produced yet) when the silo is lost.</summary>
    private static async Task<(IAsyncEnumerator<QueryEvent> Events, bool HasFirst)> StartAsync(
        IDocumentGrain grain, QueryRequest query, IdempotentCalls calls, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var events = grain.Query(query, ct).GetAsyncEnumerator(ct);
            try
            {
                return (events, await events.MoveNextAsync());
            }
            catch (SiloUnavailableException ex) when (attempt == 0 && !ct.IsCancellationRequested)
            {
                await events.DisposeAsync();
                await calls.BeforeRetryAsync("Query", ex, ct);
            }
            catch
            {
                await events.DisposeAsync();
                throw;
            }
        }
    }

    /// <returns>The grain key of the first document.</returns>
    private static string Validate(QueryHttpRequest body, string tenant, GatewayOptions options)
    {
        if (body.Documents.Count == 0) throw ApiException.BadRequest("documents is empty; name at least one document id");
        // Strict JSON refuses a null list, not null elements in it; a null where an id is needed is malformed JSON all the same.
        if (body.Documents.Any(id => id is null))
            throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "documents holds a null; expected document id strings");
        if (body.Documents.Count > options.MaxQueryDocuments)
            throw ApiException.BadRequest($"a query reads at most {options.MaxQueryDocuments} documents, got {body.Documents.Count}");
        foreach (var id in body.Documents) DocumentIds.ExistingKey(tenant, id);
        if (string.IsNullOrWhiteSpace(body.Prompt)) throw ApiException.BadRequest("prompt is empty");
        if (body.MaxTokens < 1 || body.MaxTokens > options.MaxQueryTokens)
            throw ApiException.BadRequest($"max_tokens must be between 1 and {options.MaxQueryTokens}, got {body.MaxTokens}");
        if (!double.IsFinite(body.Temperature) || body.Temperature < 0 || body.Temperature > 2)
            throw ApiException.BadRequest("temperature must be between 0 and 2");
        if (body.NoRepeatNgram is < 0 or > QueryRequest.MaxNoRepeatNgram)
            throw ApiException.BadRequest($"no_repeat_ngram must be between 0 and {QueryRequest.MaxNoRepeatNgram}, got {body.NoRepeatNgram}");
        return DocumentIds.ExistingKey(tenant, body.Documents[0]);
    }
}
