using System.Diagnostics;
using System.Runtime.CompilerServices;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Gateway.Tests.Doubles;

/// <summary>
/// Test double of <see cref="IDocumentGrain"/> that keeps the contract: the key is tenant/doc, so another tenant's
/// document is simply absent (DocumentNotFoundException); ingest of an existing id throws DocumentExistsException;
/// status moves encoding → ready; reconstruct and query need a ready document (DocumentNotReadyException);
/// queries stream tokens then one usage event and honour cancellation.
/// Magic markers reach what the real grains cannot produce on demand: prompt "#overload" throws OverloadedException,
/// "#slow" streams a token every 100 ms and records being stopped early (token cancelled or enumerator disposed), "#error-mid" fails after two tokens. Document ids
/// starting "hold-" make GetStatus wait for the test.
/// </summary>
public sealed class InMemoryDocumentGrain(InMemoryDocuments store) : Grain, IDocumentGrain
{
    private (string Tenant, string DocId) Key => GrainKeys.ParseDocument(GetPrimaryKeyString());

    public Task<DocumentStatus> Ingest(string text, CancellationToken ct)
    {
        var (tenant, id) = Key;
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidRequestException("text is empty");
        if (store.Documents.Values.Count(d => d.Tenant == tenant) >= InMemoryDocuments.MaxDocumentsPerTenant)
            throw new QuotaExceededException($"a tenant may hold {InMemoryDocuments.MaxDocumentsPerTenant} documents");
        var doc = new StoredDocument(tenant, id, text);
        Measure(doc);
        if (!store.Documents.TryAdd(GetPrimaryKeyString(), doc)) throw new DocumentExistsException(id);
        return Task.FromResult(store.Status(doc));
    }

    public Task<DocumentStatus> Append(string text, CancellationToken ct)
    {
        var doc = Find();
        lock (doc)
        {
            var spansBefore = doc.Spans;
            doc.Text += " " + text;
            Measure(doc);
            // Only the tail span and the new ones are re-encoded: the spans before the tail stay done.
            doc.EncodeStartedAt = DateTimeOffset.UtcNow - store.SpanDelay * Math.Max(0, spansBefore - 1);
            doc.UpdatedAt = DateTimeOffset.UtcNow;
        }
        return Task.FromResult(store.Status(doc));
    }

    public async Task<DocumentStatus?> GetStatus(CancellationToken ct)
    {
        var (_, id) = Key;
        if (id.StartsWith("hold-", StringComparison.Ordinal) && store.HeldStatusCalls.TryGetValue(id, out var held))
            await held.Release.Task.WaitAsync(ct);
        return store.Documents.TryGetValue(GetPrimaryKeyString(), out var doc) ? store.Status(doc) : null;
    }

    public Task<bool> Delete(CancellationToken ct) => Task.FromResult(store.Documents.TryRemove(GetPrimaryKeyString(), out _));

    public Task<string> Reconstruct(CancellationToken ct)
    {
        var doc = Find();
        RequireReady(doc);
        return Task.FromResult(doc.Text); // a perfect autoencoder
    }

    public async IAsyncEnumerable<QueryEvent> Query(QueryRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        var (tenant, _) = Key;
        var started = Stopwatch.GetTimestamp();
        // The gateway sends the full ordered list; this grain is its first document.
        var documents = request.Documents.Select(id =>
        {
            if (!store.Documents.TryGetValue(GrainKeys.Document(tenant, id), out var d)) throw new DocumentNotFoundException(id);
            RequireReady(d);
            return d;
        }).ToList();
        if (request.Prompt.Contains("#overload", StringComparison.Ordinal)) throw new OverloadedException("model queue full (test double)");

        var slow = request.Prompt.Contains("#slow", StringComparison.Ordinal);
        var words = slow
            ? Enumerable.Range(0, request.MaxTokens).Select(i => $"tick{i}").ToList()
            : $"Answer from {documents.Count} document(s): {documents[0].Text}".Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var emitted = 0;
        var finished = false;
        try
        {
            foreach (var word in words.Take(request.MaxTokens))
            {
                ct.ThrowIfCancellationRequested();
                if (request.Prompt.Contains("#error-mid", StringComparison.Ordinal) && emitted == 2)
                    throw new InvalidOperationException("decoder failed mid-answer (test double)");
                if (slow) await Task.Delay(100, ct);
                yield return new QueryEvent((emitted == 0 ? "" : " ") + word, 1000 + emitted, null);
                emitted++;
            }
            finished = true;
        }
        finally
        {
            // A caller stops a generation either way: by cancelling its token, or by disposing the enumerator while it
            // waits at a yield (the gateway does that when writing to a gone client fails first). Both end up here.
            if (slow && !finished) store.Cancelled(request.Prompt).TrySetResult();
        }
        var slots = documents.Sum(d => d.Spans) * InMemoryDocuments.SlotsPerSpan;
        var promptTokens = InMemoryDocuments.CountTokens(request.Prompt);
        yield return new QueryEvent(null, -1, new QueryUsage(slots, promptTokens, emitted,
            Scale: Math.Max(1, (int)Math.Ceiling((slots + promptTokens + emitted) / 2048.0)),
            Stopwatch.GetElapsedTime(started).TotalSeconds, emitted < words.Count ? "length" : "stop"));
    }

    private StoredDocument Find() =>
        store.Documents.TryGetValue(GetPrimaryKeyString(), out var doc) ? doc : throw new DocumentNotFoundException(Key.DocId);

    private void RequireReady(StoredDocument doc)
    {
        var status = store.Status(doc);
        if (status.Status != DocumentState.Ready) throw new DocumentNotReadyException(doc.Id, status.Status);
    }

    private static void Measure(StoredDocument doc)
    {
        doc.Tokens = InMemoryDocuments.CountTokens(doc.Text);
        doc.Spans = Math.Max(1, (doc.Tokens + InMemoryDocuments.SpanLength - 1) / InMemoryDocuments.SpanLength);
    }
}
