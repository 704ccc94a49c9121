using System.Diagnostics;
using System.Runtime.CompilerServices;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Encoders;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Grains.Documents;

/// <summary>
/// One document's memory (key "tenant/docId"). Every fact lives in Redis (DocumentStore, MemoryStore); the
/// activation keeps only its key and its silo's model grain, so it may move between silos, or be collected
/// and come back, without losing anything, and encoders on other silos may change progress under it.
/// Writes (ingest, append, delete) are turn-based, so one document's writes never interleave; reads
/// (status, query, reconstruct) interleave with each other.
/// A tenant reaches only its own documents: every key is built from the tenant in this grain's key.
/// Reads repair what they find wrong, always through compare-and-set scripts (so concurrent reads repair once) and always
/// by re-encoding, never by returning what they cannot vouch for; the document's status names the last repair:
/// - a span whose blob is missing, corrupt, another model's or not the one its commit sealed is queued again;
/// - a document encoded by another model than the one this silo serves is re-encoded whole for the served model;
/// - an encoding document looks for encode jobs that were lost (<see cref="LostJobRecovery"/>) when it activates, and
///   again when its status is read after its pending spans made no progress for <see cref="EncodeQueueOptions.StallTimeout"/>.
/// </summary>
public sealed class DocumentGrain(
    DocumentStore documents, MemoryStore memory, TenantStore tenants, EncodeQueue queue, LostJobRecovery recovery,
    LocalModelGrains models, GrainsOptions options, ILogger<DocumentGrain> logger) : Grain, IDocumentGrain
{
    private string _tenant = "";
    private string _docId = "";
    private IModelGrain _model = null!;
    private long _lastRecoveryTicks;   // Environment.TickCount64 of this activation's last check for lost jobs
    private int _recovering;           // 1 while a check runs (status reads interleave)

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        (_tenant, _docId) = GrainKeys.ParseDocument(GetPrimaryKeyString());
        if (!RedisIds.IsValid(_tenant) || !RedisIds.IsValid(_docId))
            throw new InvalidRequestException($"'{GetPrimaryKeyString()}' is not a valid tenant/document key");
        _model = await models.GetAsync(RuntimeIdentity, ct).ConfigureAwait(false);
        // A new activation may follow a silo crash or a Redis restart that lost queued jobs; nobody else would notice.
        if (await documents.GetAsync(_tenant, _docId).WaitAsync(ct).ConfigureAwait(false) is { State: DocumentState.Encoding })
            await RequeueLostJobsAsync("checked on activation", ct).ConfigureAwait(false);
    }

    private long BlobBytes => SlotBlob.SizeOf(_model.SlotsPerSpan, _model.HiddenSize, options.SlotDType);

    public async Task<DocumentStatus> Ingest(string text, CancellationToken ct)
    {
        ValidateText(text);
        if (await documents.ExistsAsync(_tenant, _docId).ConfigureAwait(false)) throw new DocumentExistsException(_docId);
        var tokens = await TokenizeAsync(text, 0, ct).ConfigureAwait(false);

        var length = _model.SpanLength;
        var spanCount = (tokens.Length + length - 1) / length;
        var reservation = await ReserveAsync(isNew: true, spanCount * BlobBytes).ConfigureAwait(false);
        var spans = new List<SpanEntry>(spanCount);
        for (var i = 0; i < spanCount; i++)
        {
            var start = i * length;
            var count = Math.Min(length, tokens.Length - start);
            spans.Add(new SpanEntry(reservation.Version, Hash(tokens.AsSpan(start, count)), start, count));
        }
        var now = DateTimeOffset.UtcNow;
        var record = new DocumentRecord(_tenant, _docId, DocumentState.Encoding, tokens.Length, spanCount, 0,
            _model.Fingerprint.ToHex(), System.Text.Encoding.UTF8.GetByteCount(text), BlobBytes, null, now, now);
        if (!await documents.CreateAsync(record, tokens, spans).ConfigureAwait(false))
        {
            await tenants.ReleaseAsync(_tenant, _docId, record.MemoryBytes, removeDocument: false, []).ConfigureAwait(false);
            throw new DocumentExistsException(_docId);
        }
        try
        {
            await queue.EnqueueAsync(spans.Select((s, i) => new EncodeJob(_tenant, _docId, i, s))).ConfigureAwait(false);
        }
        catch
        {
            // Without its jobs the document would stay "encoding" for ever: undo the ingest, the caller may retry.
            await DeleteCoreAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        logger.LogInformation("Ingesting {Tenant}/{DocId}: {Tokens} tokens in {Spans} spans (version {Version})",
            _tenant, _docId, tokens.Length, spanCount, reservation.Version);
        return record.ToStatus();
    }

    public async Task<DocumentStatus> Append(string text, CancellationToken ct)
    {
        ValidateText(text);
        var record = await documents.GetAsync(_tenant, _docId).ConfigureAwait(false) ?? throw new DocumentNotFoundException(_docId);
        record = await EnsureServedModelAsync(_docId, record, ct).ConfigureAwait(false);
        if (record.State == DocumentState.Failed) throw new DocumentNotReadyException(_docId, record.State);
        var appended = await TokenizeAsync(text, record.Tokens, ct).ConfigureAwait(false);

        // Only the tail span (if it is not full) and the new spans change; full spans keep their blobs.
        var length = _model.SpanLength;
        var total = record.Tokens + appended.Length;
        var firstChanged = record.Tokens / length;
        var tailStart = firstChanged * length;
        var tail = await documents.ReadTokensAsync(_tenant, _docId, tailStart, record.Tokens - tailStart).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException(_docId);
        var all = new int[total - tailStart];
        tail.CopyTo(all, 0);
        appended.CopyTo(all, tail.Length);

        var spanCount = (total + length - 1) / length;
        var reservation = await ReserveAsync(isNew: false, (spanCount - record.Spans) * BlobBytes).ConfigureAwait(false);
        var changed = new Dictionary<int, SpanEntry>();
        for (var i = firstChanged; i < spanCount; i++)
        {
            var start = i * length;
            var count = Math.Min(length, total - start);
            changed[i] = new SpanEntry(reservation.Version, Hash(all.AsSpan(start - tailStart, count)), start, count);
        }
        var textBytes = record.TextBytes + System.Text.Encoding.UTF8.GetByteCount(text);
        if (!await documents.AppendAsync(_tenant, _docId, record.Tokens, appended, spanCount, textBytes, changed).ConfigureAwait(false))
        {
            await tenants.ReleaseAsync(_tenant, _docId, (spanCount - record.Spans) * BlobBytes, removeDocument: false, []).ConfigureAwait(false);
            throw new InvalidOperationException($"document {_tenant}/{_docId} changed during the append; retry");
        }
        await queue.EnqueueAsync(changed.Select(c => new EncodeJob(_tenant, _docId, c.Key, c.Value))).ConfigureAwait(false);
        logger.LogInformation("Appended {Tokens} tokens to {Tenant}/{DocId}; spans {First}..{Last} re-queued",
            appended.Length, _tenant, _docId, firstChanged, spanCount - 1);
        return (await documents.GetAsync(_tenant, _docId).ConfigureAwait(false))?.ToStatus() ?? throw new DocumentNotFoundException(_docId);
    }

    public async Task<DocumentStatus?> GetStatus(CancellationToken ct)
    {
        if (await documents.GetAsync(_tenant, _docId).WaitAsync(ct).ConfigureAwait(false) is not { } record) return null;
        record = await EnsureServedModelAsync(_docId, record, ct).ConfigureAwait(false);
        if (record.State == DocumentState.Encoding && Stalled(record) &&
            await RequeueLostJobsAsync($"no encoding progress for {options.EncodeQueue.StallTimeout.TotalSeconds:F0} s", ct).ConfigureAwait(false) > 0)
            record = await documents.GetAsync(_tenant, _docId).ConfigureAwait(false) ?? record;   // with the repair note
        return record.ToStatus();
    }

    /// <summary>No span finished (nor anything else changed) for the stall timeout, and this activation did not check lately.</summary>
    private bool Stalled(DocumentRecord record)
    {
        var timeout = options.EncodeQueue.StallTimeout;
        return DateTimeOffset.UtcNow - record.UpdatedAt >= timeout &&
               (_lastRecoveryTicks == 0 || Environment.TickCount64 - _lastRecoveryTicks >= (long)timeout.TotalMilliseconds);
    }

    /// <summary>One check at a time per activation; a failed check is logged and retried at the next stall, the caller's
    /// read goes on (the document's state is not at stake, only its progress). Returns how many jobs were queued again.</summary>
    private async Task<int> RequeueLostJobsAsync(string cause, CancellationToken ct)
    {
        if (Interlocked.CompareExchange(ref _recovering, 1, 0) != 0) return 0;
        try
        {
            _lastRecoveryTicks = Environment.TickCount64;
            return await recovery.RequeueLostAsync(_tenant, _docId, cause, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("{Tenant}/{DocId}: the check for lost encode jobs failed: {Error}", _tenant, _docId, ex.Message);
            return 0;
        }
        finally
        {
            Volatile.Write(ref _recovering, 0);
        }
    }

    public Task<bool> Delete(CancellationToken ct) => DeleteCoreAsync(ct);

    /// <summary>Control keys first (so late encodes find the document gone and clean up after themselves), then
    /// the tenant's usage and dedupe entries, then the blobs.</summary>
    private async Task<bool> DeleteCoreAsync(CancellationToken ct)
    {
        if (await documents.DeleteAsync(_tenant, _docId).ConfigureAwait(false) is not { } deleted) return false;
        await tenants.ReleaseAsync(_tenant, _docId, deleted.Record.MemoryBytes, removeDocument: true,
            deleted.Spans.Select(s => s.Hash)).ConfigureAwait(false);
        var blobs = await memory.DeleteDocumentAsync(_tenant, _docId, deleted.Record.Spans, ct).ConfigureAwait(false);
        logger.LogInformation("Deleted {Tenant}/{DocId} ({Keys} blob keys)", _tenant, _docId, blobs);
        return true;
    }

    public async Task<string> Reconstruct(CancellationToken ct)
    {
        var (record, memoryOf) = await ReadReadyMemoryAsync(_docId, ct).ConfigureAwait(false);
        var generation = new GenerationOptions { MaxTokens = _model.SpanLength, MinTokens = 1 };   // a span is never empty
        var ids = new List<int>(record.Tokens);
        // At most one generation batch in flight at a time: a long document must not flood the model's queue.
        foreach (var chunk in memoryOf.Chunk(Math.Max(1, options.Batching.MaxGenerateBatch)))
        {
            var outputs = await Task.WhenAll(chunk.Select(async matrix =>
            {
                var tokens = new List<int>();
                await foreach (var token in _model.GenerateAsync(new MemoryPrompt([matrix], MemoryTask.Reconstruct, null),
                                   generation, ct).ConfigureAwait(false))
                    tokens.Add(token.TokenId);
                return tokens;
            })).ConfigureAwait(false);
            foreach (var output in outputs) ids.AddRange(output);
        }
        return await _model.DetokenizeAsync(ids, ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<QueryEvent> Query(QueryRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var ids = ValidateQuery(request);
        var memory = new List<SlotMatrix>();
        foreach (var id in ids) memory.AddRange((await ReadReadyMemoryAsync(id, ct).ConfigureAwait(false)).Spans);

        var promptTokens = (await _model.TokenizeAsync(request.Prompt, ct).ConfigureAwait(false)).Length;
        var slots = memory.Sum(m => m.Rows);
        // [slots][FT] prompt answer: every position the decoder will read.
        var positions = slots + 1 + promptTokens + request.MaxTokens;
        if (positions > _model.MaxDecoderPositions)
            throw new InvalidRequestException(
                $"the query needs {positions} decoder positions ({slots} memory slots, {promptTokens} prompt tokens, " +
                $"{request.MaxTokens} answer tokens); the model reads at most {_model.MaxDecoderPositions}");
        var scale = _model.RopeScaleFor(positions);   // the model's own rule (E²-LLM: ceil(positions / L), bounded)
        var generation = new GenerationOptions
        {
            MaxTokens = request.MaxTokens, Temperature = request.Temperature, Seed = unchecked((int)request.Seed), RopeScale = scale,
            NoRepeatNgram = request.NoRepeatNgram,
        };

        // Each token's event carries the text it adds, so that the events spell exactly the decoded answer. The whole
        // answer is detokenized at every step (pieces that join, leading spaces); a trailing U+FFFD may be a character
        // whose bytes span several tokens (byte fallback), so it is held back until a later token completes it. The
        // events run one token behind: the last one also carries whatever was still held back when generation ended.
        var generated = new List<int>();
        var emitted = "";
        var decoded = "";
        QueryEvent? pending = null;
        await foreach (var token in _model.GenerateAsync(new MemoryPrompt(memory, MemoryTask.Answer, request.Prompt), generation, ct)
                           .ConfigureAwait(false))
        {
            generated.Add(token.TokenId);
            decoded = await _model.DetokenizeAsync(generated, ct).ConfigureAwait(false);
            var stable = decoded.TrimEnd('\uFFFD');
            var delta = Suffix(stable, emitted);
            emitted = stable;
            if (pending is not null) yield return pending;
            pending = new QueryEvent(delta, token.TokenId, null);
        }
        if (pending is not null) yield return pending with { Text = pending.Text + Suffix(decoded, emitted) };
        var finish = generated.Count >= request.MaxTokens ? "length" : "stop";
        yield return new QueryEvent(null, 0, new QueryUsage(slots, promptTokens, generated.Count, scale, clock.Elapsed.TotalSeconds, finish));
    }

    /// <summary>What <paramref name="text"/> adds to what was emitted; a decode that rewrote emitted text cannot be
    /// taken back, so it is sent whole (never seen with SentencePiece, whose pieces only append).</summary>
    private static string Suffix(string text, string emitted) =>
        text.StartsWith(emitted, StringComparison.Ordinal) ? text[emitted.Length..] : text;

    /// <summary>This document first, then the request's others in order (duplicates once), all ids valid.</summary>
    private List<string> ValidateQuery(QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw new InvalidRequestException("the prompt is empty");
        if (request.MaxTokens < 1 || request.MaxTokens > options.MaxQueryTokens)
            throw new InvalidRequestException($"max tokens must be 1..{options.MaxQueryTokens}, got {request.MaxTokens}");
        if (!(request.Temperature >= 0 && request.Temperature <= 10))
            throw new InvalidRequestException($"temperature must be 0..10, got {request.Temperature}");
        if (request.NoRepeatNgram is < 0 or > QueryRequest.MaxNoRepeatNgram)
            throw new InvalidRequestException($"no-repeat n-gram size must be 0..{QueryRequest.MaxNoRepeatNgram}, got {request.NoRepeatNgram}");
        var ids = new List<string> { _docId };
        foreach (var id in request.Documents ?? [])
        {
            if (!RedisIds.IsValid(id)) throw new InvalidRequestException($"'{id}' is not a valid document id");
            if (!ids.Contains(id)) ids.Add(id);
        }
        if (ids.Count > options.MaxQueryDocuments)
            throw new InvalidRequestException($"a query reads at most {options.MaxQueryDocuments} documents, got {ids.Count}");
        return ids;
    }

    /// <summary>
    /// The slots of a ready document of this tenant, every span validated against the seal its commit recorded. Unusable
    /// spans (missing, corrupt, another model's, misplaced) are queued for re-encode, the repair is recorded, and the
    /// document reports not ready: garbage never reaches the decoder.
    /// </summary>
    private async Task<(DocumentRecord Record, SlotMatrix[] Spans)> ReadReadyMemoryAsync(string docId, CancellationToken ct)
    {
        var record = await documents.GetAsync(_tenant, docId).ConfigureAwait(false) ?? throw new DocumentNotFoundException(docId);
        record = await EnsureServedModelAsync(docId, record, ct).ConfigureAwait(false);
        if (record.State != DocumentState.Ready) throw new DocumentNotReadyException(docId, record.State);
        var seals = await documents.GetSealsAsync(_tenant, docId, record.Spans).ConfigureAwait(false);
        var reads = await memory.ReadSpansAsync(_tenant, docId, record.Spans, _model.Fingerprint, seals, ct).ConfigureAwait(false);
        var bad = reads.Select((r, i) => (r, i)).Where(x => x.r.Problem is not null).ToList();
        if (bad.Count == 0) return (record, reads.Select(r => r.Matrix!).ToArray());

        var repair = Note($"{bad.Count} of {record.Spans} spans unusable, re-encoding: " + string.Join("; ",
            bad.Take(3).Select(x => $"span {x.i} {ProblemName(x.r.Problem!.Value)} ({x.r.Detail})")) + (bad.Count > 3 ? "; …" : ""));
        var jobs = new List<EncodeJob>();
        foreach (var (read, index) in bad)
        {
            GrainsMetrics.UnusableSpans.Add(1, new KeyValuePair<string, object?>("problem", ProblemName(read.Problem!.Value)));
            if (await documents.RequeueSpanAsync(_tenant, docId, index, repair).ConfigureAwait(false) is not { } entry) continue;
            await memory.RemoveIfNewerAsync(_tenant, docId, index, entry.Version).ConfigureAwait(false);
            jobs.Add(new EncodeJob(_tenant, docId, index, entry));
        }
        await queue.EnqueueAsync(jobs).ConfigureAwait(false);
        logger.LogWarning("{Tenant}/{DocId}: {Count} unusable spans queued for re-encode: {Repair}", _tenant, docId, jobs.Count, repair);
        throw new DocumentNotReadyException(docId, DocumentState.Encoding);
    }

    private static string ProblemName(SpanProblem problem) => problem switch
    {
        SpanProblem.ForeignModel => "foreign-model",
        _ => problem.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A document encoded by another model (fingerprint) than the one served here is re-encoded whole for the served
    /// model: new span entries (content hashes include the fingerprint; the span length may differ), progress from zero,
    /// the old blobs removed. Quotas do not refuse it: the operator changed the model, not the tenant its documents.
    /// A cluster serves one model; while silos with two models run side by side, documents follow the silo that reads them.
    /// </summary>
    private async Task<DocumentRecord> EnsureServedModelAsync(string docId, DocumentRecord record, CancellationToken ct)
    {
        var served = _model.Fingerprint.ToHex();
        if (record.Fingerprint == served) return record;
        var tokens = await documents.ReadTokensAsync(_tenant, docId, 0, record.Tokens).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException(docId);
        var length = _model.SpanLength;
        var spanCount = (tokens.Length + length - 1) / length;
        var delta = spanCount * BlobBytes - record.MemoryBytes;
        var reservation = await tenants.ReserveAsync(_tenant, docId, isNew: false, delta, int.MaxValue, long.MaxValue).ConfigureAwait(false);
        if (reservation.Outcome != ReservationOutcome.Admitted) throw new DocumentNotFoundException(docId);
        var spans = new List<SpanEntry>(spanCount);
        for (var i = 0; i < spanCount; i++)
        {
            var start = i * length;
            var count = Math.Min(length, tokens.Length - start);
            spans.Add(new SpanEntry(reservation.Version, Hash(tokens.AsSpan(start, count)), start, count));
        }
        var repair = Note($"encoded by model {Short(record.Fingerprint)}, this silo serves {Short(served)}: re-encoding all {spanCount} spans");
        if (!await documents.RekeyAsync(_tenant, docId, record.Fingerprint, served, BlobBytes, spans, repair).ConfigureAwait(false))
        {
            await tenants.ReleaseAsync(_tenant, docId, delta, removeDocument: false, []).ConfigureAwait(false);
            return await documents.GetAsync(_tenant, docId).ConfigureAwait(false) ?? throw new DocumentNotFoundException(docId);
        }
        // The old model's blobs can never be used again; no job of the new entries is queued yet, so none is deleted here.
        await memory.DeleteDocumentAsync(_tenant, docId, record.Spans, ct).ConfigureAwait(false);
        await queue.EnqueueAsync(spans.Select((s, i) => new EncodeJob(_tenant, docId, i, s))).ConfigureAwait(false);
        GrainsMetrics.UnusableSpans.Add(record.Spans, new KeyValuePair<string, object?>("problem", "foreign-model"));
        logger.LogWarning("{Tenant}/{DocId}: {Repair}", _tenant, docId, repair);
        return await documents.GetAsync(_tenant, docId).ConfigureAwait(false) ?? throw new DocumentNotFoundException(docId);
    }

    private static string Note(string what) => DocumentRecord.RepairNote(what);

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint.Length == 0 ? "(none)" : fingerprint;

    private void ValidateText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidRequestException("the text is empty");
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        if (bytes > options.Quotas.MaxTextBytes)
            throw new InvalidRequestException($"the text is {bytes} bytes; at most {options.Quotas.MaxTextBytes} per request");
    }

    private async Task<int[]> TokenizeAsync(string text, int existingTokens, CancellationToken ct)
    {
        var tokens = await _model.TokenizeAsync(text, ct).ConfigureAwait(false);
        if (tokens.Length == 0) throw new InvalidRequestException("the text has no tokens");
        if (existingTokens + tokens.Length > options.Quotas.MaxDocumentTokens)
            throw new QuotaExceededException(
                $"the document would have {existingTokens + tokens.Length} tokens; the limit is {options.Quotas.MaxDocumentTokens}");
        return tokens;
    }

    private async Task<Reservation> ReserveAsync(bool isNew, long memoryBytes)
    {
        var quotas = options.Quotas;
        var reservation = await tenants.ReserveAsync(_tenant, _docId, isNew, memoryBytes, quotas.MaxDocuments, quotas.MaxMemoryBytes)
            .ConfigureAwait(false);
        return reservation.Outcome switch
        {
            ReservationOutcome.Admitted => reservation,
            ReservationOutcome.NoTenant => throw new InvalidRequestException($"tenant '{_tenant}' does not exist"),
            ReservationOutcome.TooManyDocuments => throw new QuotaExceededException(
                $"tenant '{_tenant}' has {reservation.Usage} documents; the limit is {quotas.MaxDocuments}"),
            _ => throw new QuotaExceededException(
                $"tenant '{_tenant}' uses {reservation.Usage} memory bytes; {memoryBytes} more exceed the limit of {quotas.MaxMemoryBytes}"),
        };
    }

    private string Hash(ReadOnlySpan<int> tokens) => StableHash.SpanContent(_tenant, tokens, _model.Fingerprint);
}
