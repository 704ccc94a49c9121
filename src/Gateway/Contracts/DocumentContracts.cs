using System.Text.Json.Serialization;
using MemoryPlatform.Grains.Contracts;

namespace MemoryPlatform.Gateway.Contracts;

/// <summary>POST /v1/documents JSON body; the id is generated when absent.</summary>
public sealed record IngestDocumentRequest(string Text, string? Id = null);

/// <summary>POST /v1/documents/{id}/append body.</summary>
public sealed record AppendDocumentRequest(string Text);

/// <summary>A document's status and memory, as GET /v1/documents/{id} shows it.</summary>
public sealed record DocumentResponse(
    string Id, DocumentState Status, int Tokens, int Spans, int SpansDone, long MemoryBytes, int TextBytes,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Repair = null)
{
    public static DocumentResponse From(DocumentStatus s) =>
        new(s.Id, s.Status, s.Tokens, s.Spans, s.SpansDone, s.MemoryBytes, s.TextBytes, s.CreatedAt, s.UpdatedAt,
            s.Status == DocumentState.Failed ? s.Error ?? "encoding failed" : null, s.Repair);
}

/// <summary>GET /v1/documents answer, newest first.</summary>
public sealed record DocumentListResponse(IReadOnlyList<DocumentResponse> Documents);

/// <summary>POST /v1/documents/{id}/reconstruct answer: the autoencoder's view of the document.</summary>
public sealed record ReconstructResponse(string Id, string Text);
