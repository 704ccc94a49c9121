using System.Globalization;
using MemoryPlatform.Grains.Contracts;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// The metadata hash <c>doc:{t:d}</c>. Field names are the stored ones; times are Unix milliseconds.
/// MemoryBytes is what the document's slots take once every span is stored (spans × blob size): quotas
/// reserve it up front, so an ingest that fits never fails for memory halfway through encoding.
/// </summary>
public sealed record DocumentRecord(
    string Tenant, string DocId, DocumentState State, int Tokens, int Spans, int Done, string Fingerprint,
    int TextBytes, long BlobBytes, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public long MemoryBytes => Spans * BlobBytes;

    /// <summary>The last repair (unusable spans re-queued, a model change, a stalled encode), with its reason; null when none.</summary>
    public string? Repair { get; init; }

    /// <summary>A repair note as the status shows it: the UTC time, then what was repaired and why.</summary>
    public static string RepairNote(string what) =>
        DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + " " + what;

    public DocumentStatus ToStatus() => new(DocId, State, Tokens, Spans, Math.Min(Done, Spans), Math.Min(Done, Spans) * BlobBytes,
        TextBytes, Error, CreatedAt, UpdatedAt) { Repair = Repair };

    public HashEntry[] ToHash() =>
    [
        new("state", StateName(State)), new("tokens", Tokens), new("spans", Spans), new("done", Done),
        new("fingerprint", Fingerprint), new("text_bytes", TextBytes), new("blob_bytes", BlobBytes),
        new("error", Error ?? ""), new("created", CreatedAt.ToUnixTimeMilliseconds()),
        new("updated", UpdatedAt.ToUnixTimeMilliseconds()),
    ];

    public static DocumentRecord? FromHash(string tenant, string docId, HashEntry[] entries)
    {
        if (entries.Length == 0) return null;
        var map = entries.ToDictionary(e => (string)e.Name!, e => (string?)e.Value ?? "");
        string Get(string name) => map.TryGetValue(name, out var v) ? v : "";
        long Long(string name) => long.TryParse(Get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var error = Get("error");
        var repair = Get("repair");
        return new DocumentRecord(tenant, docId, ParseState(Get("state")), (int)Long("tokens"), (int)Long("spans"),
            (int)Long("done"), Get("fingerprint"), (int)Long("text_bytes"), Long("blob_bytes"),
            error.Length == 0 ? null : error, DateTimeOffset.FromUnixTimeMilliseconds(Long("created")),
            DateTimeOffset.FromUnixTimeMilliseconds(Long("updated")))
        {
            Repair = repair.Length == 0 ? null : repair,
        };
    }

    /// <summary>The stored (Lua-visible) spelling of a state.</summary>
    public static string StateName(DocumentState state) => state switch
    {
        DocumentState.Encoding => "encoding",
        DocumentState.Ready => "ready",
        _ => "failed",
    };

    private static DocumentState ParseState(string value) => value switch
    {
        "encoding" => DocumentState.Encoding,
        "ready" => DocumentState.Ready,
        "failed" => DocumentState.Failed,
        _ => throw new InvalidDataException($"unknown document state '{value}'"),
    };
}
