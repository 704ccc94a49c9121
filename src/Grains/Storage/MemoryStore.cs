using System.Globalization;
using MemoryPlatform.ModelCore.Icae;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// Slot blobs on the slot Redis instance: <c>mem:{t:d}:span:{i}</c> (a <see cref="SlotBlob"/>) and its
/// sibling <c>mem:{t:d}:span:{i}:ver</c> (the span version the blob was encoded for).
/// Invariants:
/// - a blob and its version are written together by one script, and never by an older version over a
///   newer one (compare-and-set on the version), so a stale encode cannot overwrite a newer span;
/// - equal versions may overwrite each other: re-encoding a span is idempotent (same tokens, same model,
///   same bytes);
/// - a read never returns garbage: a missing, truncated, corrupt or foreign-model blob is reported as a
///   <see cref="SpanProblem"/> and no matrix is returned for it; given the seals the document committed, so is an
///   intact blob that is not the one committed for its span (another span's or document's, put there by mistake);
/// - nothing here knows whether a span is still wanted: the control side decides, and the caller removes
///   a blob it wrote for nothing with <see cref="RemoveIfVersionAsync"/> (which spares newer writes).
/// </summary>
public sealed class MemoryStore(RedisStores redis, ILogger<MemoryStore> logger)
{
    // KEYS: (blob, version, staged blob) per span. ARGV: each span's version. Result per span: 1 = written, 0 = a newer
    // version is stored (the staged blob is dropped); {-1} alone, with nothing changed, when a staged blob is gone
    // (another writer of the same span version renamed it first, or eviction took it).
    // Blobs never pass through Lua: each is renamed into place, which moves the value without copying it (as a script
    // argument it was copied twice more, and a write cost about four raw SETs). One EXISTS checks every staged blob
    // first (nothing can remove one while the script runs), one MGET reads the versions and one MSET records them;
    // `seen` carries a span's new version to a later write of the same span in this call.
    private const string WriteScript = """
        local n = #ARGV
        local versionKeys, stagedKeys = {}, {}
        for i = 1, n do
          versionKeys[i] = KEYS[3 * i - 1]
          stagedKeys[i] = KEYS[3 * i]
        end
        if redis.call('EXISTS', unpack(stagedKeys)) < n then return {-1} end
        local stored = redis.call('MGET', unpack(versionKeys))
        local seen, updates, result = {}, {}, {}
        for i = 1, n do
          local blob, version, staged = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
          local cur = tonumber(seen[version] or stored[i]) or 0
          if cur > tonumber(ARGV[i]) then
            redis.call('DEL', staged)
            result[i] = 0
          else
            redis.call('RENAME', staged, blob)
            seen[version] = ARGV[i]
            updates[#updates + 1] = version
            updates[#updates + 1] = ARGV[i]
            result[i] = 1
          end
        end
        if #updates > 0 then redis.call('MSET', unpack(updates)) end
        return result
        """;

    /// <summary>Writes per script call, and so staged blobs held at once (32 of 1 MiB for a 7B model's spans;
    /// chunks of 8 and of 32 measured alike).</summary>
    private const int WritesPerScript = 32;

    // KEYS: blob, version. ARGV: version. Deletes both only if they are still that version's.
    private const string RemoveScript = """
        if redis.call('GET', KEYS[2]) == ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1
        end
        return 0
        """;

    // KEYS: blob, version. ARGV: version. Deletes both if the stored version is newer (or unreadable).
    private const string RemoveNewerScript = """
        local cur = redis.call('GET', KEYS[2])
        if cur and (tonumber(cur) == nil or tonumber(cur) > tonumber(ARGV[1])) then
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1
        end
        return 0
        """;

    private IDatabase Db => redis.Slots;

    /// <summary>Stores a span's blob for <paramref name="version"/>; false when a newer version is already stored.</summary>
    public async Task<bool> WriteAsync(string tenant, string docId, int span, long version, byte[] blob) =>
        (await WriteSpansAsync(tenant, docId, [new SpanWrite(span, version, blob)]).ConfigureAwait(false))[0];

    /// <summary>
    /// Stores blobs of one document in one round trip: each blob is SET under the staging key of its span version (in
    /// the document's hash slot), then one compare-and-set script renames every blob whose version is not older than
    /// the stored one onto its span key. Result i: write i was stored (false: a newer version of that span is stored
    /// already). Writes are applied in order; repeats of a span version are written once.
    /// </summary>
    /// <remarks>A writer that dies between the SET and the script leaves the staged blob behind; the job is not
    /// acknowledged, so its retry writes the same staging key again and renames it (a staged blob outlives that only
    /// if the span moved to a newer version meanwhile, until the document is deleted, whose span-prefix scan removes
    /// it). Staged blobs carry no expiry, because an expiry would follow the rename and need a PERSIST per span.</remarks>
    /// <exception cref="InvalidOperationException">A staged blob was gone when the script ran (a concurrent writer of the
    /// same span version renamed it, or eviction took it): nothing of the call was written; the caller retries as after
    /// any Redis error.</exception>
    public async Task<bool[]> WriteSpansAsync(string tenant, string docId, IReadOnlyList<SpanWrite> writes)
    {
        if (writes.Count > WritesPerScript)
        {
            // Pipelined chunks (MSET, script, MSET, script, ...): each script renames its blobs over the old ones before
            // the next chunk's arrive, so the server holds a chunk of staged blobs at a time, not a whole document's.
            var chunks = await Task.WhenAll(writes.Chunk(WritesPerScript).Select(chunk => WriteSpansAsync(tenant, docId, chunk))).ConfigureAwait(false);
            return [.. chunks.SelectMany(c => c)];
        }
        var unique = writes.Select(w => (w.Span, w.Version)).Distinct().ToArray();
        if (unique.Length < writes.Count)
        {
            // The same span version twice (a job delivered twice): one write; the blobs are the same encode.
            var firsts = unique.Select(u => writes.First(w => (w.Span, w.Version) == u)).ToArray();
            var once = await WriteSpansAsync(tenant, docId, firsts).ConfigureAwait(false);
            return [.. writes.Select(w => once[Array.IndexOf(unique, (w.Span, w.Version))])];
        }
        if (writes.Count == 0) return [];
        var keys = new RedisKey[3 * writes.Count];
        var versions = new RedisValue[writes.Count];
        var staging = new KeyValuePair<RedisKey, RedisValue>[writes.Count];
        var spanKeys = RedisKeys.SpanKeysOf(tenant, docId);
        for (var i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            var staged = spanKeys.Staged(w.Span, w.Version);
            staging[i] = new(staged, w.Blob);
            keys[3 * i] = spanKeys.Span(w.Span);
            keys[3 * i + 1] = spanKeys.Version(w.Span);
            keys[3 * i + 2] = staged;
            versions[i] = w.Version;
        }
        // One MSET stages the chunk's blobs (one command to parse and answer instead of one per blob; the keys share the
        // document's hash slot), and the script goes right behind it: one round trip.
        var stage = Db.StringSetAsync(staging);
        var script = Db.ScriptEvaluateAsync(WriteScript, keys, versions);
        await stage.ConfigureAwait(false);
        var results = (long[])(await script.ConfigureAwait(false))!;
        if (results.Length != writes.Count)
            throw new InvalidOperationException($"a staged blob of {tenant}/{docId} was gone before it could be stored (a concurrent " +
                                                "writer of the same span version, or eviction); nothing was written, retry");
        return [.. results.Select(r => r == 1)];
    }

    /// <summary>Removes a span's blob if it is still <paramref name="version"/>'s (an encode that turned out stale).</summary>
    public async Task<bool> RemoveIfVersionAsync(string tenant, string docId, int span, long version)
    {
        var result = await Db.ScriptEvaluateAsync(RemoveScript,
            [RedisKeys.Span(tenant, docId, span), RedisKeys.SpanVersion(tenant, docId, span)],
            [version.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The raw blob and the version it was written for, read atomically (MGET; both keys share a slot); null when absent.</summary>
    public async Task<(byte[] Blob, long Version)?> ReadRawAsync(string tenant, string docId, int span)
    {
        var values = await Db.StringGetAsync(
            [RedisKeys.Span(tenant, docId, span), RedisKeys.SpanVersion(tenant, docId, span)]).ConfigureAwait(false);
        if (values[0].IsNull || values[1].IsNull) return null;
        return long.TryParse((string?)values[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? ((byte[])values[0]!, version)
            : null;
    }

    /// <summary>The seal a commit records for a blob: its header checksum (XXH64 of header and payload; SHA-256 in format 1), hex.</summary>
    public static string SealOf(ReadOnlySpan<byte> blob) =>
        SlotBlob.ReadHeader(blob).Checksum.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Reads and validates spans 0..count-1 without checking which blob was committed.</summary>
    public Task<SpanRead[]> ReadSpansAsync(string tenant, string docId, int count, ModelFingerprint expected, CancellationToken ct) =>
        ReadSpansAsync(tenant, docId, count, expected, null, ct);

    /// <summary>
    /// Reads and validates spans 0..count-1. Each result holds a matrix or a problem, never both. With
    /// <paramref name="seals"/> (from DocumentStore.GetSealsAsync), a blob must also be the one committed for its span.
    /// </summary>
    /// <remarks>The spans travel as pipelined MGETs of <see cref="ReadChunk"/> keys, all sent at once, and each chunk is
    /// validated (checksum, values) as soon as it arrives, while the next ones are still on the wire: validation
    /// overlaps the transfer instead of following all of it.</remarks>
    public async Task<SpanRead[]> ReadSpansAsync(string tenant, string docId, int count, ModelFingerprint expected,
        IReadOnlyList<string?>? seals, CancellationToken ct)
    {
        var chunks = new List<(int First, Task<RedisValue[]> Values)>();
        var spanKeys = RedisKeys.SpanKeysOf(tenant, docId);
        for (var first = 0; first < count; first += ReadChunk)
        {
            var keys = new RedisKey[Math.Min(ReadChunk, count - first)];
            for (var i = 0; i < keys.Length; i++) keys[i] = spanKeys.Span(first + i);
            chunks.Add((first, Db.StringGetAsync(keys)));
        }
        var reads = new SpanRead[count];
        foreach (var (first, pending) in chunks)
        {
            var values = await pending.WaitAsync(ct).ConfigureAwait(false);
            for (var i = 0; i < values.Length; i++)
            {
                var span = first + i;
                reads[span] = Validate(values[i], expected, seals is null ? null : seals[span] ?? "");
                if (reads[span].Problem is { } problem)
                    logger.LogWarning("Span {Span} of {Tenant}/{DocId} is unusable ({Problem}): {Detail}",
                        span, tenant, docId, problem, reads[span].Detail);
            }
        }
        return reads;
    }

    /// <summary>Keys per MGET of <see cref="ReadSpansAsync"/>: small enough that validation starts early, large enough
    /// that the commands stay few.</summary>
    private const int ReadChunk = 8;

    /// <param name="seal">The committed seal to match; null: not checked; empty: none was committed.</param>
    private static SpanRead Validate(RedisValue value, ModelFingerprint expected, string? seal)
    {
        if (value.IsNull) return new SpanRead(null, 0, SpanProblem.Missing, "no blob stored");
        var bytes = (byte[])value!;
        try
        {
            var matrix = SlotBlob.Decode(bytes.AsMemory(), expected);   // keeps bytes: no copy
            if (seal is null || SealOf(bytes) == seal) return new SpanRead(matrix, bytes.Length, null, null);
            return new SpanRead(null, bytes.Length, SpanProblem.Misplaced, seal.Length == 0
                ? "an intact blob, but no commit recorded a seal for this span"
                : $"an intact blob with seal {SealOf(bytes)}, but the span's commit stored {seal}");
        }
        catch (SlotFingerprintMismatchException e)
        {
            return new SpanRead(null, bytes.Length, SpanProblem.ForeignModel, e.Message);
        }
        catch (InvalidDataException e)
        {
            return new SpanRead(null, bytes.Length, SpanProblem.Corrupt, e.Message);
        }
    }

    /// <summary>
    /// Deletes a span's blob and version if the version is newer than <paramref name="version"/>: such a version was never
    /// queued for the document's current entry (a stray write), and would make the compare-and-set refuse the re-encode.
    /// </summary>
    public async Task<bool> RemoveIfNewerAsync(string tenant, string docId, int span, long version)
    {
        var result = await Db.ScriptEvaluateAsync(RemoveNewerScript,
            [RedisKeys.Span(tenant, docId, span), RedisKeys.SpanVersion(tenant, docId, span)],
            [version.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Deletes every span key of the document: the first <paramref name="knownSpans"/> directly, then
    /// whatever a SCAN of the document's span prefix still finds (late writes, spans past a shrunk count).</summary>
    public async Task<long> DeleteDocumentAsync(string tenant, string docId, int knownSpans, CancellationToken ct)
    {
        long deleted = 0;
        const int chunk = 512;
        for (var start = 0; start < knownSpans; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            var keys = Enumerable.Range(start, Math.Min(chunk, knownSpans - start))
                .SelectMany(i => new RedisKey[] { RedisKeys.Span(tenant, docId, i), RedisKeys.SpanVersion(tenant, docId, i) })
                .ToArray();
            deleted += await Db.KeyDeleteAsync(keys).ConfigureAwait(false);
        }
        // A span's keys (blob, version, staged blobs) go in one DEL: a late write of a span version landing between the
        // blob's DEL and the version's would leave a blob with no version, which its writer's RemoveIfVersionAsync spares.
        var prefix = RedisKeys.SpanPrefix(tenant, docId);
        var found = await ScanAsync(Db, prefix + "*", ct).ConfigureAwait(false);
        foreach (var spans in found.GroupBy(key => SpanOf(key, prefix)).Chunk(chunk))
        {
            ct.ThrowIfCancellationRequested();
            deleted += await Db.KeyDeleteAsync([.. spans.SelectMany(span => span)]).ConfigureAwait(false);
        }
        return deleted;
    }

    /// <summary>The span index part of a span key (<c>26</c> of <c>mem:{t:d}:span:26:ver</c>).</summary>
    private static string SpanOf(RedisKey key, string prefix)
    {
        var rest = ((string)key!)[prefix.Length..];
        var end = rest.IndexOf(':');
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>Keys matching a glob pattern, by cursor (SCAN never blocks the server the way KEYS does).</summary>
    public static async Task<List<RedisKey>> ScanAsync(IDatabase db, string pattern, CancellationToken ct)
    {
        var keys = new List<RedisKey>();
        var cursor = "0";
        do
        {
            ct.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", "1000").ConfigureAwait(false))!;
            cursor = (string)reply[0]!;
            foreach (var key in (RedisResult[])reply[1]!) keys.Add((string)key!);
        } while (cursor != "0");
        return keys;
    }
}

/// <summary>Why a stored span cannot be used; every problem leads to a re-encode of the span.</summary>
public enum SpanProblem { Missing, Corrupt, ForeignModel, Misplaced }

/// <summary>One validated span read: the slots, or the problem (with a human-readable detail).</summary>
public sealed record SpanRead(SlotMatrix? Matrix, long Bytes, SpanProblem? Problem, string? Detail);

/// <summary>One blob to store: span index, the span version it was encoded for, the <see cref="SlotBlob"/> bytes.</summary>
public sealed record SpanWrite(int Span, long Version, byte[] Blob);
