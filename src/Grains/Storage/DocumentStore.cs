using System.Buffers.Binary;
using System.Globalization;
using MemoryPlatform.Grains.Contracts;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// A document's control data on the control instance: <c>doc:{t:d}</c> (metadata), <c>doc:{t:d}:tokens</c>,
/// <c>doc:{t:d}:spans</c> (span → expected <see cref="SpanEntry"/>), <c>doc:{t:d}:done</c> and <c>doc:{t:d}:seals</c>
/// (span → checksum of the blob its commit stored).
/// Invariants:
/// - all five keys share the document's hash tag, and every change touching more than one is one script;
/// - a span is in the done set exactly when its seal is recorded (commit adds both, requeue and append remove both),
///   so a read can check that each blob is the one committed for its span, not merely an intact blob;
/// - a span counts as done only if the entry its encode carried is still the span's entry (commit is a
///   compare-and-set), so a stale encode (older version, or a deleted document) never marks progress and
///   never recreates a key of a deleted document;
/// - the state turns ready exactly when every span is done, only from encoding; failed is sticky;
/// - tokens are append-only while the document lives, so a span's token range stays valid for its version.
/// </summary>
public sealed class DocumentStore(RedisStores redis)
{
    // KEYS: doc, tokens, spans, done. ARGV: token bytes, then hash field/value pairs count, pairs..., then span entries (index, entry)...
    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('SET', KEYS[2], ARGV[1])
        local n = tonumber(ARGV[2])
        local i = 3
        for _ = 1, n do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
        while i <= #ARGV do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]); i = i + 2 end
        return 1
        """;

    // KEYS: doc, tokens, spans, done, seals. ARGV: expected token count, appended token bytes, new token count, new span count,
    // text bytes, now, then span entries (index, entry)... The re-queued spans leave the done set and lose their seals.
    private const string AppendScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HGET', KEYS[1], 'tokens') ~= ARGV[1] then return 0 end
        redis.call('APPEND', KEYS[2], ARGV[2])
        local i = 7
        while i <= #ARGV do
          redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
          redis.call('SREM', KEYS[4], ARGV[i])
          redis.call('HDEL', KEYS[5], ARGV[i])
          i = i + 2
        end
        local done = redis.call('SCARD', KEYS[4])
        redis.call('HSET', KEYS[1], 'tokens', ARGV[3], 'spans', ARGV[4], 'text_bytes', ARGV[5], 'updated', ARGV[6], 'done', done)
        if redis.call('HGET', KEYS[1], 'state') == 'ready' then redis.call('HSET', KEYS[1], 'state', 'encoding') end
        return 1
        """;

    // KEYS: doc, spans, done, seals. ARGV: span index, entry, now, seal.
    // 0 = stale, 1 = stored, 2 = stored and the document is now ready.
    private const string CommitScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('SADD', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
        local done = redis.call('SCARD', KEYS[3])
        redis.call('HSET', KEYS[1], 'done', done, 'updated', ARGV[3])
        if done >= tonumber(redis.call('HGET', KEYS[1], 'spans')) and redis.call('HGET', KEYS[1], 'state') == 'encoding' then
          redis.call('HSET', KEYS[1], 'state', 'ready')
          return 2
        end
        return 1
        """;

    // KEYS: doc, spans. ARGV: span index, entry, error, now. 1 = the document is now failed.
    private const string FailScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], 'state', 'failed', 'error', ARGV[3], 'updated', ARGV[4])
        return 1
        """;

    // KEYS: doc, spans, done, seals. ARGV: span index, now, repair note. Returns the span's entry (to queue again) or nil.
    private const string RequeueScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        local entry = redis.call('HGET', KEYS[2], ARGV[1])
        if not entry then return false end
        redis.call('SREM', KEYS[3], ARGV[1])
        redis.call('HDEL', KEYS[4], ARGV[1])
        redis.call('HSET', KEYS[1], 'done', redis.call('SCARD', KEYS[3]), 'updated', ARGV[2], 'repair', ARGV[3])
        if redis.call('HGET', KEYS[1], 'state') == 'ready' then redis.call('HSET', KEYS[1], 'state', 'encoding') end
        return entry
        """;

    // KEYS: doc, spans, done, seals. ARGV: expected fingerprint, new fingerprint, blob bytes, span count, now, repair note,
    // then span entries (index, entry)... Replaces every span's entry if the document is still the expected model's.
    private const string RekeyScript = """
        if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
        local i = 7
        while i <= #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
        redis.call('HSET', KEYS[1], 'fingerprint', ARGV[2], 'blob_bytes', ARGV[3], 'spans', ARGV[4], 'done', 0,
          'state', 'encoding', 'error', '', 'updated', ARGV[5], 'repair', ARGV[6])
        return 1
        """;

    // KEYS: doc, spans, done. Returns {index, entry, ...} of the spans not done; nothing unless the document is encoding.
    private const string PendingScript = """
        if redis.call('HGET', KEYS[1], 'state') ~= 'encoding' then return {} end
        local spans = redis.call('HGETALL', KEYS[2])
        local pending = {}
        for i = 1, #spans, 2 do
          if redis.call('SISMEMBER', KEYS[3], spans[i]) == 0 then
            pending[#pending + 1] = spans[i]
            pending[#pending + 1] = spans[i + 1]
          end
        end
        return pending
        """;

    // KEYS: doc. ARGV: now, repair note. Records a repair (and renews the change time) while the document is encoding.
    private const string NoteRepairScript = """
        if redis.call('HGET', KEYS[1], 'state') ~= 'encoding' then return 0 end
        redis.call('HSET', KEYS[1], 'updated', ARGV[1], 'repair', ARGV[2])
        return 1
        """;

    // KEYS: doc, tokens, spans, done, seals. Returns {metadata pairs, span pairs} as they were, then deletes all five.
    private const string DeleteScript = """
        local meta = redis.call('HGETALL', KEYS[1])
        if #meta == 0 then return false end
        local spans = redis.call('HGETALL', KEYS[3])
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
        return {meta, spans}
        """;

    private IDatabase Db => redis.Control;

    private static RedisKey[] Keys(string tenant, string docId) =>
    [
        RedisKeys.Doc(tenant, docId), RedisKeys.DocTokens(tenant, docId), RedisKeys.DocSpans(tenant, docId),
        RedisKeys.DocDone(tenant, docId), RedisKeys.DocSeals(tenant, docId),
    ];

    public async Task<DocumentRecord?> GetAsync(string tenant, string docId) =>
        DocumentRecord.FromHash(tenant, docId, await Db.HashGetAllAsync(RedisKeys.Doc(tenant, docId)).ConfigureAwait(false));

    public Task<bool> ExistsAsync(string tenant, string docId) => Db.KeyExistsAsync(RedisKeys.Doc(tenant, docId));

    /// <summary>Creates the document with its tokens and span entries; false when it already exists.</summary>
    public async Task<bool> CreateAsync(DocumentRecord record, int[] tokens, IReadOnlyList<SpanEntry> spans)
    {
        var hash = record.ToHash();
        var args = new List<RedisValue> { TokenBytes(tokens), hash.Length };
        foreach (var entry in hash)
        {
            args.Add(entry.Name);
            args.Add(entry.Value);
        }
        for (var i = 0; i < spans.Count; i++)
        {
            args.Add(i);
            args.Add(spans[i].Format());
        }
        var result = await Db.ScriptEvaluateAsync(CreateScript, Keys(record.Tenant, record.DocId), [.. args]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Appends tokens and replaces the entries of the re-queued spans (tail and new ones).
    /// Returns false when the token count is no longer <paramref name="expectedTokens"/>; throws when the document is gone.</summary>
    public async Task<bool> AppendAsync(string tenant, string docId, int expectedTokens, int[] appended, int newSpanCount,
        int textBytes, IReadOnlyDictionary<int, SpanEntry> requeued)
    {
        var args = new List<RedisValue>
        {
            expectedTokens, TokenBytes(appended), expectedTokens + appended.Length, newSpanCount, textBytes, Now(),
        };
        foreach (var (index, entry) in requeued)
        {
            args.Add(index);
            args.Add(entry.Format());
        }
        var result = (long)await Db.ScriptEvaluateAsync(AppendScript, Keys(tenant, docId), [.. args]).ConfigureAwait(false);
        if (result < 0) throw new DocumentNotFoundException(docId);
        return result == 1;
    }

    /// <summary>Marks span <paramref name="span"/> stored, with the <paramref name="seal"/> of the blob stored for it,
    /// if <paramref name="entry"/> is still what it expects.</summary>
    public async Task<CommitResult> CommitSpanAsync(string tenant, string docId, int span, SpanEntry entry, string seal)
    {
        var keys = Keys(tenant, docId);
        var result = (long)await Db.ScriptEvaluateAsync(CommitScript, [keys[0], keys[2], keys[3], keys[4]],
            [span, entry.Format(), Now(), seal]).ConfigureAwait(false);
        return (CommitResult)result;
    }

    /// <summary>The seals committed for spans 0..count-1 (null where a span has none: not done).</summary>
    public async Task<string?[]> GetSealsAsync(string tenant, string docId, int count)
    {
        if (count == 0) return [];
        var fields = Enumerable.Range(0, count).Select(i => (RedisValue)i).ToArray();
        var values = await Db.HashGetAsync(RedisKeys.DocSeals(tenant, docId), fields).ConfigureAwait(false);
        return values.Select(v => (string?)v).ToArray();
    }

    /// <summary>Marks the document failed because span <paramref name="span"/> (still at <paramref name="entry"/>) cannot be encoded.</summary>
    public async Task<bool> FailSpanAsync(string tenant, string docId, int span, SpanEntry entry, string error)
    {
        var keys = Keys(tenant, docId);
        var result = await Db.ScriptEvaluateAsync(FailScript, [keys[0], keys[2]],
            [span, entry.Format(), error, Now()]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Takes span <paramref name="span"/> out of the done set (its blob is unusable) and records
    /// <paramref name="repair"/> on the document; returns the span's entry to queue again.</summary>
    public async Task<SpanEntry?> RequeueSpanAsync(string tenant, string docId, int span, string repair)
    {
        var keys = Keys(tenant, docId);
        var result = await Db.ScriptEvaluateAsync(RequeueScript, [keys[0], keys[2], keys[3], keys[4]], [span, Now(), repair])
            .ConfigureAwait(false);
        return result.IsNull ? null : SpanEntry.Parse((string)result!);
    }

    /// <summary>Records <paramref name="repair"/> on the document, and renews its change time, if it is still encoding;
    /// false when it is not (finished, failed or gone meanwhile).</summary>
    public async Task<bool> NoteRepairAsync(string tenant, string docId, string repair) =>
        (long)await Db.ScriptEvaluateAsync(NoteRepairScript, [RedisKeys.Doc(tenant, docId)], [Now(), repair]).ConfigureAwait(false) == 1;

    /// <summary>
    /// Replaces every span's entry (a document re-encoded for another model: new fingerprint, blob size, span count)
    /// if the document is still <paramref name="expectedFingerprint"/>'s; progress restarts from zero. False when it
    /// is not (gone, or re-keyed by another read meanwhile).
    /// </summary>
    public async Task<bool> RekeyAsync(string tenant, string docId, string expectedFingerprint, string fingerprint, long blobBytes,
        IReadOnlyList<SpanEntry> spans, string repair)
    {
        var keys = Keys(tenant, docId);
        var args = new List<RedisValue> { expectedFingerprint, fingerprint, blobBytes, spans.Count, Now(), repair };
        for (var i = 0; i < spans.Count; i++)
        {
            args.Add(i);
            args.Add(spans[i].Format());
        }
        var result = await Db.ScriptEvaluateAsync(RekeyScript, [keys[0], keys[2], keys[3], keys[4]], [.. args]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>True when span <paramref name="span"/> still expects <paramref name="entry"/> (an encode of it is wanted).</summary>
    public async Task<bool> IsCurrentAsync(string tenant, string docId, int span, SpanEntry entry) =>
        (string?)await Db.HashGetAsync(RedisKeys.DocSpans(tenant, docId), span).ConfigureAwait(false) == entry.Format();

    /// <summary>The spans of an encoding document still waiting for their encode (not in the done set), with the entry
    /// each expects, read in one step; empty when the document is ready, failed or gone.</summary>
    public async Task<IReadOnlyList<(int Span, SpanEntry Entry)>> PendingSpansAsync(string tenant, string docId)
    {
        var keys = Keys(tenant, docId);
        var flat = (RedisResult[])(await Db.ScriptEvaluateAsync(PendingScript, [keys[0], keys[2], keys[3]]).ConfigureAwait(false))!;
        var pending = new List<(int, SpanEntry)>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2)
            pending.Add((int.Parse((string)flat[i]!, NumberStyles.None, CultureInfo.InvariantCulture), SpanEntry.Parse((string)flat[i + 1]!)));
        return pending;
    }

    /// <summary>Every span's entry, by index.</summary>
    public async Task<SpanEntry[]> GetSpansAsync(string tenant, string docId, int count)
    {
        var fields = Enumerable.Range(0, count).Select(i => (RedisValue)i).ToArray();
        var values = count == 0 ? [] : await Db.HashGetAsync(RedisKeys.DocSpans(tenant, docId), fields).ConfigureAwait(false);
        return values.Select((v, i) => v.IsNull
            ? throw new InvalidDataException($"document {tenant}/{docId} has no entry for span {i}")
            : SpanEntry.Parse((string)v!)).ToArray();
    }

    /// <summary>Tokens [start, start + count) (GETRANGE: only those bytes travel); null when the document is gone
    /// or has fewer tokens.</summary>
    public async Task<int[]?> ReadTokensAsync(string tenant, string docId, int start, int count)
    {
        if (count == 0) return await ExistsAsync(tenant, docId).ConfigureAwait(false) ? [] : null;
        var bytes = (byte[]?)await Db.StringGetRangeAsync(RedisKeys.DocTokens(tenant, docId), 4L * start, 4L * (start + count) - 1)
            .ConfigureAwait(false);
        if (bytes is null || bytes.Length != 4 * count) return null;
        var tokens = new int[count];
        for (var i = 0; i < count; i++) tokens[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        return tokens;
    }

    /// <summary>Deletes the control keys in one step; returns what the document was (null when absent).</summary>
    public async Task<(DocumentRecord Record, SpanEntry[] Spans)?> DeleteAsync(string tenant, string docId)
    {
        var result = await Db.ScriptEvaluateAsync(DeleteScript, Keys(tenant, docId)).ConfigureAwait(false);
        if (result.IsNull) return null;
        var parts = (RedisResult[])result!;
        var record = DocumentRecord.FromHash(tenant, docId, Pairs((RedisResult[])parts[0]!))!;
        var spans = Pairs((RedisResult[])parts[1]!).Select(e => SpanEntry.Parse((string)e.Value!)).ToArray();
        return (record, spans);
    }

    private static HashEntry[] Pairs(RedisResult[] flat)
    {
        var entries = new HashEntry[flat.Length / 2];
        for (var i = 0; i < entries.Length; i++) entries[i] = new HashEntry((string)flat[2 * i]!, (string)flat[2 * i + 1]!);
        return entries;
    }

    public static byte[] TokenBytes(ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[4 * tokens.Length];
        for (var i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), tokens[i]);
        return bytes;
    }

    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}

/// <summary>Outcome of a span commit.</summary>
public enum CommitResult { Stale = 0, Stored = 1, DocumentReady = 2 }
