using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Grains.Contracts;

/// <summary>Where a document's memory stands. The gateway writes these lower-case.</summary>
public enum DocumentState { Encoding, Ready, Failed }

/// <summary>What `GET /v1/documents/{id}` shows. MemoryBytes counts the stored slot blobs.</summary>
public sealed record DocumentStatus(
    string Id, DocumentState Status, int Tokens, int Spans, int SpansDone, long MemoryBytes,
    int TextBytes, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The document's last repair and its reason (unusable spans re-encoded, a model change, a stalled encode); null when none.</summary>
    public string? Repair { get; init; }
}

/// <summary>A question over the slots of one or more documents of one tenant, answered by the frozen decoder.</summary>
public sealed record QueryRequest(IReadOnlyList<string> Documents, string Prompt, int MaxTokens = 64, double Temperature = 0, ulong Seed = 0,
                                  int NoRepeatNgram = 0)
{
    /// <summary>The largest no-repeat n-gram size a query may ask for (0 = off); longer n-grams hardly ever repeat.</summary>
    public const int MaxNoRepeatNgram = 32;
}

/// <summary>
/// One event of a streamed answer: a token (Text non-null, Usage null) or the final usage (Usage non-null).
/// Streaming carries both in one sequence so the caller needs no second call for usage.
/// </summary>
public sealed record QueryEvent(string? Text, int TokenId, QueryUsage? Usage);

/// <summary>Counts of one query: memory slots fed to the decoder, prompt and generated tokens, E²-LLM scale used.</summary>
public sealed record QueryUsage(int MemorySlots, int PromptTokens, int CompletionTokens, int Scale, double Seconds, string FinishReason);

/// <summary>
/// One document's memory (key: <see cref="GrainKeys.Document"/>). State lives in Redis; the activation caches it.
/// Errors are typed (<see cref="DocumentNotFoundException"/>, <see cref="DocumentExistsException"/>,
/// <see cref="QuotaExceededException"/>, <see cref="InvalidRequestException"/>, the runtime's OverloadedException).
/// </summary>
[GrainType("document")]
public interface IDocumentGrain : IGrainWithStringKey
{
    /// <summary>Creates the document from text and queues its span encodes; returns at once (status encoding).</summary>
    Task<DocumentStatus> Ingest(string text, CancellationToken ct);

    /// <summary>Appends text; only the tail span and the new spans are re-encoded.</summary>
    Task<DocumentStatus> Append(string text, CancellationToken ct);

    /// <summary>Null when the document does not exist.</summary>
    [ReadOnly] Task<DocumentStatus?> GetStatus(CancellationToken ct);

    /// <summary>Deletes the document and every key it owns; false when it did not exist.</summary>
    Task<bool> Delete(CancellationToken ct);

    /// <summary>The autoencoder's view: each span decoded from its slots, concatenated.</summary>
    [ReadOnly, CallTimeout(600)] Task<string> Reconstruct(CancellationToken ct);

    /// <summary>Answers over this document's slots (and those of request.Documents, same tenant, in order), streaming tokens then usage.</summary>
    [ReadOnly, CallTimeout(600)] IAsyncEnumerable<QueryEvent> Query(QueryRequest request, CancellationToken ct);
}

/// <summary>Returned once by <see cref="ITenantGrain.Create"/>; the API key is never stored or shown again.</summary>
public sealed record TenantCreated(string TenantId, string Name, string ApiKey);

/// <summary>A tenant's quotas and usage.</summary>
public sealed record TenantInfo(string TenantId, string Name, int Documents, int MaxDocuments, long MemoryBytes, long MaxMemoryBytes, DateTimeOffset CreatedAt);

/// <summary>A tenant (key: tenant id). API keys are stored only as SHA-256 hashes; quotas bound documents and memory bytes.</summary>
[GrainType("tenant")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant with a fresh API key (returned once).</summary>
    Task<TenantCreated> Create(string name, CancellationToken ct);

    /// <summary>Null when the tenant does not exist.</summary>
    [ReadOnly] Task<TenantInfo?> Get(CancellationToken ct);

    /// <summary>The tenant's documents, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<DocumentStatus>> ListDocuments(CancellationToken ct);
}

/// <summary>Grain keys. Ids are validated by Storage.RedisIds (no '/', ':' or braces), so the key parses back unambiguously.</summary>
public static class GrainKeys
{
    public static string Document(string tenant, string docId) =>
        Storage.RedisIds.ValidateTenant(tenant) + "/" + Storage.RedisIds.ValidateDocId(docId);

    public static (string Tenant, string DocId) ParseDocument(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1) throw new ArgumentException($"not a document key: '{key}'");
        return (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>The document does not exist for this tenant (HTTP 404, whoever else may own the id).</summary>
public sealed class DocumentNotFoundException(string docId) : Exception($"document '{docId}' not found")
{
    public string DocId { get; } = docId;
}

/// <summary>A document with this id already exists (HTTP 409).</summary>
public sealed class DocumentExistsException(string docId) : Exception($"document '{docId}' already exists");

/// <summary>A tenant quota (documents, memory bytes, document size) would be exceeded (HTTP 403 quota_exceeded).</summary>
public sealed class QuotaExceededException(string message) : Exception(message);

/// <summary>The request is well-formed JSON but not acceptable (HTTP 400), e.g. an empty text or too many documents.</summary>
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>The document exists but is not ready to answer (still encoding or failed) (HTTP 409 not_ready).</summary>
public sealed class DocumentNotReadyException(string docId, DocumentState state) : Exception($"document '{docId}' is {state.ToString().ToLowerInvariant()}, not ready");
