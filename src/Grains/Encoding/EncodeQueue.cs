using System.Globalization;
using System.Runtime.CompilerServices;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Encoders;

/// <summary>
/// The encode work queue: one Redis Stream on the control instance with one consumer group; every silo is
/// a consumer named by its silo id. StackExchange.Redis 1.2.6 has no stream API, so the commands go through
/// Execute (no BLOCK: consumers poll with back-off).
/// Invariants:
/// - an entry stays pending until XACK, which the consumer sends only after the span's outcome is durable
///   (committed, failed, or found stale): nothing acknowledged is lost;
/// - entries pending on a consumer idle past the claim time are moved to a live one with XAUTOCLAIM, so a
///   dead silo's work is finished by the others; a slow live consumer may lose an entry the same way, which
///   costs a duplicate encode, never a wrong result (encodes are idempotent);
/// - a group lost with a Redis restart without persistence is created again on first use.
/// </summary>
public sealed class EncodeQueue(RedisStores redis, EncodeQueueOptions options)
{
    private TaskCompletionSource _enqueued = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IDatabase Db => redis.Control;

    public EncodeQueueOptions Options => options;

    /// <summary>
    /// Completes the next time this process adds jobs, so that a consumer of the same process ends its polling back-off
    /// at once instead of up to MaxPollDelay later (consumers of other silos still find the jobs by polling). Take it
    /// before reading the stream, so that jobs added in between are not missed.
    /// </summary>
    public Task NextEnqueue => Volatile.Read(ref _enqueued).Task;

    /// <summary>Adds jobs (pipelined); the stream and group are created on first use.</summary>
    public async Task EnqueueAsync(IEnumerable<EncodeJob> jobs)
    {
        var adds = new List<Task>();
        var batch = Db.CreateBatch();
        foreach (var job in jobs)
        {
            var args = new List<object> { options.StreamKey, "*" };
            foreach (var (name, value) in job.ToFields())
            {
                args.Add(name);
                args.Add(value);
            }
            adds.Add(batch.ExecuteAsync("XADD", [.. args]));
        }
        batch.Execute();
        await Task.WhenAll(adds).ConfigureAwait(false);
        Interlocked.Exchange(ref _enqueued, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Creates the consumer group (reading from the stream's start) unless it exists.</summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Db.ExecuteAsync("XGROUP", "CREATE", options.StreamKey, options.Group, "0", "MKSTREAM").ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>New entries for <paramref name="consumer"/> (XREADGROUP ... &gt;); empty when none.</summary>
    public async Task<IReadOnlyList<StreamEntry>> ReadNewAsync(string consumer, int count)
    {
        RedisResult result;
        try
        {
            result = await ReadGroupAsync(consumer, count).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            await EnsureGroupAsync().ConfigureAwait(false);
            result = await ReadGroupAsync(consumer, count).ConfigureAwait(false);
        }
        if (result.IsNull) return [];
        var streams = (RedisResult[])result!;
        return streams.Length == 0 ? [] : ParseEntries((RedisResult[])((RedisResult[])streams[0]!)[1]!);
    }

    private Task<RedisResult> ReadGroupAsync(string consumer, int count) =>
        Db.ExecuteAsync("XREADGROUP", "GROUP", options.Group, consumer, "COUNT", count.ToString(), "STREAMS", options.StreamKey, ">");

    /// <summary>Entries pending longer than the claim idle time on any consumer, now owned by <paramref name="consumer"/>.</summary>
    public async Task<IReadOnlyList<StreamEntry>> ClaimIdleAsync(string consumer, int count)
    {
        var claimed = new List<StreamEntry>();
        var cursor = "0-0";
        var idleMs = ((long)options.ClaimIdleTime.TotalMilliseconds).ToString();
        do
        {
            RedisResult result;
            try
            {
                result = await Db.ExecuteAsync("XAUTOCLAIM", options.StreamKey, options.Group, consumer, idleMs, cursor,
                    "COUNT", count.ToString()).ConfigureAwait(false);
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                await EnsureGroupAsync().ConfigureAwait(false);
                return claimed;
            }
            var parts = (RedisResult[])result!;
            cursor = (string)parts[0]!;
            claimed.AddRange(ParseEntries((RedisResult[])parts[1]!));
        } while (cursor != "0-0" && claimed.Count < count);
        return claimed;
    }

    public Task AcknowledgeAsync(IEnumerable<string> ids)
    {
        var args = new List<object> { options.StreamKey, options.Group };
        args.AddRange(ids);
        // XDEL too: an acknowledged job is history, and a stream that only grows is a leak.
        var ack = Db.ExecuteAsync("XACK", [.. args]);
        var del = Db.ExecuteAsync("XDEL", [options.StreamKey, .. args.Skip(2)]);
        return Task.WhenAll(ack, del);
    }

    /// <summary>
    /// Every entry still in the stream (never read, or read and not yet acknowledged), oldest first, one XRANGE page at
    /// a time. Costs one pass over the stream, whose length is the cluster's outstanding work; empty when it is gone.
    /// </summary>
    public async IAsyncEnumerable<StreamEntry> ScanAsync([EnumeratorCancellation] CancellationToken ct, int pageSize = 1000)
    {
        var start = "-";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var raw = await Db.ExecuteAsync("XRANGE", options.StreamKey, start, "+", "COUNT", pageSize.ToString(CultureInfo.InvariantCulture))
                .WaitAsync(ct).ConfigureAwait(false);
            var page = ParseEntries((RedisResult[])raw!);
            foreach (var entry in page) yield return entry;
            if (page.Count < pageSize) yield break;
            start = "(" + page[^1].Id; // exclusive start (Redis 6.2+)
        }
    }

    /// <summary>Entries of the stream not yet deleted (pending or never read); for tests and diagnostics.</summary>
    public async Task<long> LengthAsync() => (long)await Db.ExecuteAsync("XLEN", options.StreamKey).ConfigureAwait(false);

    private static List<StreamEntry> ParseEntries(RedisResult[] raw)
    {
        var entries = new List<StreamEntry>(raw.Length);
        foreach (var item in raw)
        {
            if (item.IsNull) continue; // an entry deleted while pending (Redis 6.2 reports it as nil)
            var pair = (RedisResult[])item!;
            var id = (string)pair[0]!;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!pair[1].IsNull)
            {
                var flat = (RedisResult[])pair[1]!;
                for (var i = 0; i + 1 < flat.Length; i += 2) fields[(string)flat[i]!] = (string)flat[i + 1]!;
            }
            entries.Add(new StreamEntry(id, fields));
        }
        return entries;
    }
}

/// <summary>One stream entry: its id and fields.</summary>
public sealed record StreamEntry(string Id, IReadOnlyDictionary<string, string> Fields);
