using System.Security.Claims;
using MemoryPlatform.Gateway.Auth;
using MemoryPlatform.Gateway.Cluster;
using MemoryPlatform.Gateway.Contracts;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Json;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>
/// /v1/documents: ingest (JSON, text/plain or a multipart file), status, listing, append, delete, reconstruct.
/// Every document is addressed through the caller's tenant, so another tenant's id is simply not found (404).
/// </summary>
public static class DocumentEndpoints
{
    public static RouteGroupBuilder MapDocumentEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/documents").WithTags("documents");

        group.MapPost("", Ingest).WithName("IngestDocument")
            .Accepts<IngestDocumentRequest>("application/json", "text/plain", "multipart/form-data")
            .Produces<DocumentResponse>(StatusCodes.Status202Accepted)
            .ProducesErrors(400, 401, 403, 409, 413, 415, 429, 503, 504)
            .WithSummary("Stores a document and starts encoding its spans; poll its status for progress.");

        group.MapGet("", List).WithName("ListDocuments")
            .Produces<DocumentListResponse>()
            .ProducesErrors(401, 429, 503, 504)
            .WithSummary("The caller's documents, newest first.");

        group.MapGet("/{id}", Get).WithName("GetDocument")
            .Produces<DocumentResponse>()
            .ProducesErrors(401, 404, 429, 503, 504)
            .WithSummary("A document's status, encoding progress and memory size.");

        group.MapPost("/{id}/append", Append).WithName("AppendDocument")
            .Accepts<AppendDocumentRequest>("application/json")
            .Produces<DocumentResponse>(StatusCodes.Status202Accepted)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429, 503, 504)
            .WithSummary("Appends text; only the tail span and new spans are re-encoded.");

        group.MapDelete("/{id}", Delete).WithName("DeleteDocument")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesErrors(401, 404, 429, 503, 504)
            .WithSummary("Deletes the document and its memory.");

        group.MapPost("/{id}/reconstruct", Reconstruct).WithName("ReconstructDocument")
            .Produces<ReconstructResponse>()
            .ProducesErrors(401, 404, 409, 429, 503, 504)
            .WithSummary("Decodes the document back from its memory slots (the autoencoder's view).");

        return group;
    }

    private static async Task<IResult> Ingest(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, CancellationToken ct)
    {
        var (requestedId, text) = await ReadIngestAsync(request, ct);
        var id = DocumentIds.NewId(requestedId);
        RequireText(text);
        var grain = grains.GetGrain<IDocumentGrain>(GrainKeys.Document(user.TenantId(), id));
        var status = await grain.Ingest(text, ct);
        return Results.Accepted($"/v1/documents/{id}", DocumentResponse.From(status));
    }

    private static async Task<IResult> List(ClaimsPrincipal user, IGrainFactory grains, IdempotentCalls calls, CancellationToken ct)
    {
        var tenant = grains.GetGrain<ITenantGrain>(user.TenantId());
        var documents = await calls.RunAsync("ListDocuments", tenant.ListDocuments, ct);
        return Results.Ok(new DocumentListResponse(documents.Select(DocumentResponse.From).ToList()));
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains, IdempotentCalls calls, CancellationToken ct)
    {
        var grain = grains.GetGrain<IDocumentGrain>(DocumentIds.ExistingKey(user.TenantId(), id));
        var status = await calls.RunAsync("GetStatus", grain.GetStatus, ct)
                     ?? throw ApiException.NotFound($"document '{id}' not found");
        return Results.Ok(DocumentResponse.From(status));
    }

    private static async Task<IResult> Append(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, CancellationToken ct)
    {
        var key = DocumentIds.ExistingKey(user.TenantId(), id);
        var body = await RequestBody.ReadJsonAsync<AppendDocumentRequest>(request, ct);
        RequireText(body.Text);
        var status = await grains.GetGrain<IDocumentGrain>(key).Append(body.Text, ct);
        return Results.Accepted($"/v1/documents/{id}", DocumentResponse.From(status));
    }

    private static async Task<IResult> Delete(string id, ClaimsPrincipal user, IGrainFactory grains, CancellationToken ct)
    {
        var grain = grains.GetGrain<IDocumentGrain>(DocumentIds.ExistingKey(user.TenantId(), id));
        return await grain.Delete(ct) ? Results.NoContent() : throw ApiException.NotFound($"document '{id}' not found");
    }

    private static async Task<IResult> Reconstruct(string id, ClaimsPrincipal user, IGrainFactory grains, IdempotentCalls calls, CancellationToken ct)
    {
        var grain = grains.GetGrain<IDocumentGrain>(DocumentIds.ExistingKey(user.TenantId(), id));
        var text = await calls.RunAsync("Reconstruct", grain.Reconstruct, ct);
        return Results.Ok(new ReconstructResponse(id, text));
    }

    /// <summary>The three ways to send a document: JSON {"id"?, "text"}, text/plain (?id=), multipart (file field, optional id field).</summary>
    private static async Task<(string? Id, string Text)> ReadIngestAsync(HttpRequest request, CancellationToken ct)
    {
        switch (RequestBody.MediaType(request))
        {
            case null or "application/json":
                var json = await RequestBody.ReadJsonAsync<IngestDocumentRequest>(request, ct);
                return (json.Id, json.Text);
            case "text/plain":
                return (QueryId(request), RequestBody.DecodeUtf8(await RequestBody.ReadBytesAsync(request.Body, ct)));
            case "multipart/form-data":
                var form = await ReadFormAsync(request, ct);
                var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault();
                string text;
                if (file is not null)
                {
                    await using var stream = file.OpenReadStream();
                    text = RequestBody.DecodeUtf8(await RequestBody.ReadBytesAsync(stream, ct));
                }
                else
                {
                    text = form["text"].Count == 1 ? form["text"][0] ?? "" : throw ApiException.BadRequest("multipart body needs a 'file' part or one 'text' field");
                }
                var id = form["id"].Count switch { 0 => QueryId(request), 1 => form["id"][0], _ => throw ApiException.BadRequest("more than one 'id' field") };
                return (string.IsNullOrEmpty(id) ? null : id, text);
            default:
                throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                    $"unsupported content type {request.ContentType}; send application/json, text/plain or multipart/form-data");
        }
    }

    private static async Task<IFormCollection> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException and not BadHttpRequestException && !ct.IsCancellationRequested)
        {
            throw ApiException.BadRequest("malformed multipart body: " + ex.Message);
        }
    }

    private static string? QueryId(HttpRequest request) =>
        request.Query["id"].Count switch { 0 => null, 1 => request.Query["id"][0], _ => throw ApiException.BadRequest("more than one 'id' parameter") };

    private static void RequireText(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest("text is empty");
    }
}
