using System.Collections.Concurrent;
using System.Text;
using MemoryPlatform.Grains.Contracts;

namespace MemoryPlatform.Gateway.Tests.Doubles;

/// <summary>
/// The state behind the in-memory grain doubles, shared by every silo of the test cluster (the role Redis plays
/// for the real grains: an activation that moves to another silo finds the same documents). Encoding is
/// simulated by the clock: span i is done <see cref="SpanDelay"/> × (i + 1) after encoding started.
/// Also records what tests observe from the grain side (cancelled queries) and holds the calls they hold.
/// </summary>
public sealed class InMemoryDocuments
{
    public const int SpanLength = 512, SlotsPerSpan = 128, HiddenSize = 512, BytesPerValue = 2, BlobHeaderBytes = 64;
    public const int MaxDocumentsPerTenant = 1000;

    public TimeSpan SpanDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    public ConcurrentDictionary<string, StoredDocument> Documents { get; } = new();
    public ConcurrentDictionary<string, StoredTenant> Tenants { get; } = new();

    /// <summary>Prompts of queries whose caller cancelled them mid-generation (the gateway passed the disconnect down).</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> CancelledQueries { get; } = new();

    /// <summary>Document ids whose GetStatus calls wait on a gate until the test releases them.</summary>
    public ConcurrentDictionary<string, HeldCall> HeldStatusCalls { get; } = new();

    public TaskCompletionSource Cancelled(string prompt) =>
        CancelledQueries.GetOrAdd(prompt, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public DocumentStatus Status(StoredDocument d)
    {
        lock (d)
        {
            var done = (int)Math.Min(d.Spans, (DateTimeOffset.UtcNow - d.EncodeStartedAt) / SpanDelay);
            var state = done == d.Spans ? DocumentState.Ready : DocumentState.Encoding;
            return new DocumentStatus(d.Id, state, d.Tokens, d.Spans, done,
                done * ((long)SlotsPerSpan * HiddenSize * BytesPerValue + BlobHeaderBytes), Encoding.UTF8.GetByteCount(d.Text), null,
                d.CreatedAt, d.UpdatedAt);
        }
    }

    /// <summary>Whitespace-separated words stand in for tokens.</summary>
    public static int CountTokens(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}

public sealed class StoredDocument(string tenant, string id, string text)
{
    public string Tenant { get; } = tenant;
    public string Id { get; } = id;
    public string Text { get; set; } = text;
    public int Tokens { get; set; }
    public int Spans { get; set; }
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset EncodeStartedAt { get; set; } = DateTimeOffset.UtcNow;
}

public sealed record StoredTenant(string TenantId, string Name, DateTimeOffset CreatedAt);

/// <summary>A GetStatus call the test holds: <see cref="Release"/> lets it finish.</summary>
public sealed class HeldCall
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
