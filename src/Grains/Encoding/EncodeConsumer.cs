using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Grains.Encoders;

/// <summary>
/// A silo's consumer of the encode stream: reads jobs (new ones, and idle ones of dead consumers), encodes
/// them in batches through the silo's model grain, stores the blobs, commits progress, acknowledges.
/// Invariants:
/// - a job is acknowledged only after its outcome is durable: committed, marked failed, or found stale
///   (the span expects another entry, or the document is gone); on any Redis or overload error the job
///   stays pending and is retried (by this consumer's claim pass or another's);
/// - a blob written for a job whose commit turns out stale is removed again (only if still that
///   version's), so a late encode of a deleted document leaves no key behind;
/// - jobs with equal content (same tenant, same content hash) are encoded once; a blob already stored
///   under that content is copied instead of encoded; either way the bytes are those an encode gives.
/// </summary>
public sealed class EncodeConsumer : IAsyncDisposable
{
    private readonly string _name;
    private readonly IModelGrain _model;
    private readonly EncodeQueue _queue;
    private readonly DocumentStore _documents;
    private readonly MemoryStore _memory;
    private readonly TenantStore _tenants;
    private readonly GrainsOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly KeyValuePair<string, object?> _siloTag;
    private Task _loop = Task.CompletedTask;

    public EncodeConsumer(string name, IModelGrain model, EncodeQueue queue, DocumentStore documents, MemoryStore memory,
        TenantStore tenants, GrainsOptions options, ILogger<EncodeConsumer> logger)
    {
        _name = name;
        _model = model;
        _queue = queue;
        _documents = documents;
        _memory = memory;
        _tenants = tenants;
        _options = options;
        _logger = logger;
        _siloTag = new("silo", name);
    }

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    private EncodeQueueOptions QueueOptions => _options.EncodeQueue;

    private async Task RunAsync(CancellationToken ct)
    {
        var idle = QueueOptions.MinPollDelay;
        var lastClaim = DateTime.MinValue;
        var groupReady = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await _queue.EnsureGroupAsync().ConfigureAwait(false);
                    groupReady = true;
                }
                IReadOnlyList<StreamEntry> entries = [];
                if (DateTime.UtcNow - lastClaim >= QueueOptions.ClaimPeriod)
                {
                    lastClaim = DateTime.UtcNow;
                    entries = await _queue.ClaimIdleAsync(_name, QueueOptions.ReadCount).ConfigureAwait(false);
                    if (entries.Count > 0)
                    {
                        GrainsMetrics.Claimed.Add(entries.Count, _siloTag);
                        _logger.LogInformation("Consumer {Consumer} claimed {Count} idle encode jobs", _name, entries.Count);
                    }
                }
                var enqueued = _queue.NextEnqueue;
                if (entries.Count == 0) entries = await _queue.ReadNewAsync(_name, QueueOptions.ReadCount).ConfigureAwait(false);
                if (entries.Count == 0)
                {
                    // Back off, unless a grain of this silo adds jobs meanwhile: then read at once.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var woken = await Task.WhenAny(Task.Delay(idle, wait.Token), enqueued).ConfigureAwait(false) == enqueued;
                    await wait.CancelAsync().ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    idle = woken ? QueueOptions.MinPollDelay : TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, QueueOptions.MaxPollDelay.Ticks));
                    continue;
                }
                idle = QueueOptions.MinPollDelay;
                await ProcessAsync(entries, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Redis down, restarting, or the model grain overloaded: the jobs stay pending; back off and go on.
                _logger.LogWarning("Consumer {Consumer}: {Error}; retrying", _name, ex.Message);
                groupReady = false;
                try
                {
                    await Task.Delay(QueueOptions.MaxPollDelay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task ProcessAsync(IReadOnlyList<StreamEntry> entries, CancellationToken ct)
    {
        var done = new List<string>();
        var jobs = new List<(StreamEntry Entry, EncodeJob Job)>();
        foreach (var entry in entries)
        {
            if (EncodeJob.FromFields(entry.Fields) is { } job) jobs.Add((entry, job));
            else
            {
                _logger.LogWarning("Dropping malformed encode entry {Id}", entry.Id);
                done.Add(entry.Id);
            }
        }

        var current = await Task.WhenAll(jobs.Select(j => _documents.IsCurrentAsync(j.Job.Tenant, j.Job.DocId, j.Job.Span, j.Job.Entry)))
            .ConfigureAwait(false);
        var live = new List<(StreamEntry Entry, EncodeJob Job)>();
        for (var i = 0; i < jobs.Count; i++)
        {
            if (current[i]) live.Add(jobs[i]);
            else Finish(done, jobs[i].Entry, "stale");
        }

        // One blob per content: copied from a stored span, or encoded once for every job that shares it.
        var blobs = new Dictionary<(string Tenant, string Hash), byte[]>();
        var toEncode = new List<((string Tenant, string Hash) Content, int[] Tokens)>();
        var fingerprint = _model.Fingerprint;
        // The contents are looked up side by side (their Redis round trips overlap).
        var groups = live.GroupBy(j => (j.Job.Tenant, j.Job.Entry.Hash)).ToArray();
        async Task<(byte[]? Copy, int[]? Tokens)> FindAsync(IGrouping<(string Tenant, string Hash), (StreamEntry Entry, EncodeJob Job)> group)
        {
            if (await TryCopyAsync(group.Key.Tenant, group.Key.Hash, fingerprint).ConfigureAwait(false) is { } copy) return (copy, null);
            foreach (var (_, job) in group)
                if (await ReadTokensAsync(job, fingerprint).ConfigureAwait(false) is { } tokens) return (null, tokens);
            return (null, null);
        }
        var found = await Task.WhenAll(groups.Select(FindAsync)).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        for (var i = 0; i < groups.Length; i++)
        {
            if (found[i].Copy is { } copy) blobs[groups[i].Key] = copy;
            else if (found[i].Tokens is { } tokens) toEncode.Add((groups[i].Key, tokens));
        }

        var failures = new Dictionary<(string, string), Exception>();
        if (toEncode.Count > 0)
        {
            var results = await EncodeAsync(toEncode.Select(e => e.Tokens).ToArray(), ct).ConfigureAwait(false);
            for (var i = 0; i < toEncode.Count; i++)
            {
                if (results[i].Error is { } error) failures[toEncode[i].Content] = error;
                else blobs[toEncode[i].Content] = SlotBlob.Encode(results[i].Slots, _model.SlotsPerSpan, _model.HiddenSize,
                    _options.SlotDType, fingerprint);
            }
        }

        // The blobs of one document go to Redis in one round trip (one staging SET each, one compare-and-set script).
        var written = new Dictionary<string, bool>();
        foreach (var document in live.Where(j => blobs.ContainsKey((j.Job.Tenant, j.Job.Entry.Hash))).GroupBy(j => (j.Job.Tenant, j.Job.DocId)))
        {
            var group = document.ToArray();
            var stored = await _memory.WriteSpansAsync(document.Key.Tenant, document.Key.DocId,
                [.. group.Select(j => new SpanWrite(j.Job.Span, j.Job.Entry.Version, blobs[(j.Job.Tenant, j.Job.Entry.Hash)]))]).ConfigureAwait(false);
            for (var i = 0; i < group.Length; i++) written[group[i].Entry.Id] = stored[i];
        }

        // Commits of the stored spans go side by side (each is its own span's; the last one flips the document to ready).
        await Task.WhenAll(live.Where(j => written.GetValueOrDefault(j.Entry.Id)).Select(j => CommitAsync(j.Job, blobs[(j.Job.Tenant, j.Job.Entry.Hash)]))).ConfigureAwait(false);
        foreach (var (entry, job) in live)
        {
            var content = (job.Tenant, job.Entry.Hash);
            if (written.ContainsKey(entry.Id))
            {
                Finish(done, entry, "stored");   // committed above, or a newer version of the span was stored already
            }
            else if (failures.TryGetValue(content, out var error))
            {
                var message = $"span {job.Span} could not be encoded: {error.Message}";
                if (await _documents.FailSpanAsync(job.Tenant, job.DocId, job.Span, job.Entry, message).ConfigureAwait(false))
                    _logger.LogError(error, "Document {Tenant}/{DocId} failed: {Message}", job.Tenant, job.DocId, message);
                Finish(done, entry, "failed");
            }
            else if (!await _documents.IsCurrentAsync(job.Tenant, job.DocId, job.Span, job.Entry).ConfigureAwait(false))
            {
                Finish(done, entry, "stale"); // the tokens went away with the document
            }
            // else: tokens do not hash to the job's content under this silo's model; leave it pending for a silo
            // whose model matches (it is claimed after the idle time).
        }
        if (done.Count > 0) await _queue.AcknowledgeAsync(done).ConfigureAwait(false);
    }

    private void Finish(List<string> done, StreamEntry entry, string outcome)
    {
        done.Add(entry.Id);
        GrainsMetrics.Spans.Add(1, _siloTag, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>The job's tokens if they still hash to its content under this model; null otherwise.</summary>
    private async Task<int[]?> ReadTokensAsync(EncodeJob job, ModelFingerprint fingerprint)
    {
        var tokens = await _documents.ReadTokensAsync(job.Tenant, job.DocId, job.Entry.Start, job.Entry.Count).ConfigureAwait(false);
        if (tokens is null) return null;
        if (StableHash.SpanContent(job.Tenant, tokens, fingerprint) == job.Entry.Hash) return tokens;
        _logger.LogWarning("Encode job {Job}: tokens do not match its content hash under model {Fingerprint}", job, fingerprint);
        return null;
    }

    /// <summary>A stored, intact blob of the same content and model, if the tenant's dedupe index knows one.</summary>
    private async Task<byte[]?> TryCopyAsync(string tenant, string hash, ModelFingerprint fingerprint)
    {
        if (await _tenants.FindContentAsync(tenant, hash).ConfigureAwait(false) is not { } source) return null;
        // A span version names one token range of one document, so a blob stored for that version holds this content.
        var raw = await _memory.ReadRawAsync(tenant, source.DocId, source.Span).ConfigureAwait(false);
        if (raw is { } stored && stored.Version == source.Version)
        {
            try
            {
                SlotBlob.Decode(stored.Blob.AsMemory(), fingerprint);
                return stored.Blob;
            }
            catch (Exception e) when (e is InvalidDataException or SlotFingerprintMismatchException)
            {
                _logger.LogWarning("Dedupe source {DocId}#{Span} is unusable: {Error}", source.DocId, source.Span, e.Message);
            }
        }
        await _tenants.ForgetContentAsync(tenant, hash).ConfigureAwait(false);
        return null;
    }

    /// <summary>Encodes through the model grain: the batch at once, then one by one (up to MaxAttempts) if the batch fails,
    /// so one bad span fails alone. An overloaded model grain is waited out (the jobs stay pending meanwhile).</summary>
    private async Task<(float[] Slots, Exception? Error)[]> EncodeAsync(int[][] spans, CancellationToken ct)
    {
        try
        {
            var slots = await EncodeOnceAsync(spans, ct).ConfigureAwait(false);
            return slots.Select(s => (s, (Exception?)null)).ToArray();
        }
        catch (Exception ex) when (ex is not OperationCanceledException && spans.Length > 1)
        {
            _logger.LogInformation("Batch of {Count} spans failed ({Error}); encoding them one by one", spans.Length, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (QueueOptions.MaxAttempts <= 1) return [([], ex)];
        }
        var results = new (float[], Exception?)[spans.Length];
        for (var i = 0; i < spans.Length; i++)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    results[i] = ((await EncodeOnceAsync([spans[i]], ct).ConfigureAwait(false))[0], null);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt >= QueueOptions.MaxAttempts)
                {
                    results[i] = ([], ex);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogDebug("Encode attempt {Attempt} failed: {Error}", attempt, ex.Message);
                }
            }
        }
        return results;
    }

    /// <summary>
    /// Encodes in calls of at most half the model queue: the model grain refuses a call that does not fit whole, so a call
    /// larger than the queue would wait for ever, and background encodes must leave room for interactive queries.
    /// </summary>
    private async Task<IReadOnlyList<float[]>> EncodeOnceAsync(int[][] spans, CancellationToken ct)
    {
        var chunk = Math.Max(1, _options.Batching.MaxQueueLength / 2);
        var slots = new List<float[]>(spans.Length);
        foreach (var part in spans.Chunk(chunk))
        {
            var wait = QueueOptions.MinPollDelay;
            while (true)
            {
                try
                {
                    slots.AddRange(await _model.EncodeAsync(part, ct).ConfigureAwait(false));
                    break;
                }
                catch (OverloadedException)
                {
                    await Task.Delay(wait, ct).ConfigureAwait(false);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, QueueOptions.MaxPollDelay.Ticks));
                }
            }
        }
        return slots;
    }

    /// <summary>After the job's <paramref name="blob"/> was written: marks the span done with the blob's seal, or removes
    /// the blob again if the span moved on.</summary>
    private async Task CommitAsync(EncodeJob job, byte[] blob)
    {
        var result = await _documents.CommitSpanAsync(job.Tenant, job.DocId, job.Span, job.Entry, MemoryStore.SealOf(blob))
            .ConfigureAwait(false);
        if (result == CommitResult.Stale)
        {
            await _memory.RemoveIfVersionAsync(job.Tenant, job.DocId, job.Span, job.Entry.Version).ConfigureAwait(false);
            return;
        }
        await _tenants.RegisterContentAsync(job.Tenant, job.Entry.Hash, job.DocId, job.Span, job.Entry.Version).ConfigureAwait(false);
        if (result == CommitResult.DocumentReady)
            _logger.LogInformation("Document {Tenant}/{DocId} is ready", job.Tenant, job.DocId);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
