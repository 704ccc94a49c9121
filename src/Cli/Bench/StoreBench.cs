using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// Slot blob write/read throughput through the MemoryStore (versioned compare-and-set write of a document's spans in
/// one round trip; MGET + full validation on read) against raw SET/MGET of the same bytes, alternating, on one redis-server started for the run.
/// Each timed repetition moves <c>spans</c> blobs at once (pipelined, as a document's ingest and query do).
/// </summary>
public static class StoreBench
{
    public static async Task<JsonObject> RunAsync(int rows, int[] dims, int spans, int repeats, SlotDType dtype, CancellationToken ct)
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions(), ct);
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        using var stores = new RedisStores(connection, connection);
        var store = new MemoryStore(stores, NullLogger<MemoryStore>.Instance);
        var db = stores.Slots;
        var fingerprint = ModelFingerprint.Of("bench");
        var random = new Random(1234);
        var results = new JsonArray();
        foreach (var dim in dims)
        {
            var blobs = Enumerable.Range(0, spans).Select(_ =>
            {
                var values = new float[rows * dim];
                for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
                return SlotBlob.Encode(values, rows, dim, dtype, fingerprint);
            }).ToArray();
            var bytes = (double)blobs.Sum(b => (long)b.Length);
            var rawKeys = Enumerable.Range(0, spans).Select(i => (RedisKey)$"bench:raw:{dim}:{i}").ToArray();
            long version = 0;

            var (storeWrite, rawWrite) = await PairedAsync(
                () => store.WriteSpansAsync("bench", "d" + dim, [.. blobs.Select((b, i) => new SpanWrite(i, ++version, b))]),
                () => Task.WhenAll(blobs.Select((b, i) => db.StringSetAsync(rawKeys[i], b))), repeats, ct);
            var (storeRead, rawRead) = await PairedAsync(async () =>
            {
                var reads = await store.ReadSpansAsync("bench", "d" + dim, spans, fingerprint, ct);
                if (reads.Any(r => r.Matrix is null)) throw new InvalidOperationException("a stored blob failed validation");
            }, () => db.StringGetAsync(rawKeys), repeats, ct);

            results.Add(new JsonObject
            {
                ["rows"] = rows, ["dim"] = dim, ["blob_bytes"] = blobs[0].Length, ["spans"] = spans,
                ["store_write_mb_s"] = bytes / storeWrite.Median / 1e6, ["raw_write_mb_s"] = bytes / rawWrite.Median / 1e6,
                ["write_ratio"] = rawWrite.Median / storeWrite.Median,
                ["store_read_mb_s"] = bytes / storeRead.Median / 1e6, ["raw_read_mb_s"] = bytes / rawRead.Median / 1e6,
                ["read_ratio"] = rawRead.Median / storeRead.Median,
                ["seconds"] = new JsonObject
                {
                    ["store_write"] = storeWrite.ToJson(), ["raw_write"] = rawWrite.ToJson(),
                    ["store_read"] = storeRead.ToJson(), ["raw_read"] = rawRead.ToJson(),
                },
            });
        }
        return new JsonObject
        {
            ["benchmark"] = "store", ["dtype"] = dtype.ToString(), ["repeats"] = repeats, ["cpu"] = BenchStats.CpuModel(),
            ["redis"] = "redis-server started by the bench (no AOF), loopback", ["date"] = DateTimeOffset.UtcNow.ToString("u"),
            ["results"] = results,
        };
    }

    /// <summary>
    /// The store's operation and the raw one, alternating (<see cref="BenchStats.PairedAsync"/>), after warm-up rounds
    /// enough for the JIT's tiers to settle (a round takes milliseconds; the first hundreds run unoptimised or
    /// instrumented code, which a long-running silo never does).
    /// </summary>
    private static Task<(BenchStats.Sample Store, BenchStats.Sample Raw)> PairedAsync(Func<Task> store, Func<Task> raw, int repeats, CancellationToken ct) =>
        BenchStats.PairedAsync(() => BenchStats.SecondsAsync(store), () => BenchStats.SecondsAsync(raw), WarmupRounds, repeats, ct);

    public const int WarmupRounds = 300;

    /// <summary>The suite's row: the worse of the write and read ratios over every measured size.</summary>
    public static BenchOutcome Outcome(JsonObject result)
    {
        var rows = result["results"]!.AsArray().OfType<JsonNode>().ToArray();
        double R(JsonNode row, string name) => row[name]!.GetValue<double>();
        var ratio = rows.Min(r => Math.Min(R(r, "write_ratio"), R(r, "read_ratio")));
        var summary = string.Join("; ", rows.Select(r =>
            $"{r["rows"]}×{r["dim"]} {result["dtype"]}: write {R(r, "store_write_mb_s"):F0} vs {R(r, "raw_write_mb_s"):F0} MB/s, " +
            $"read {R(r, "store_read_mb_s"):F0} vs {R(r, "raw_read_mb_s"):F0} MB/s"));
        return new BenchOutcome("store", "slot blob write/read MB/s through the memory store vs raw SET/GET of the same bytes",
            ratio, "store / raw MB/s, worse of write and read", Target, summary, result);
    }

    public static readonly BenchTarget Target = new(0.8);

    public static void PrintTable(JsonObject r)
    {
        Console.WriteLine($"store benchmark: {r["dtype"]} slot blobs, median of {r["repeats"]}, {r["cpu"]}");
        Console.WriteLine($"{"k×d",10} {"blob KB",8} {"store W MB/s",13} {"raw SET MB/s",13} {"ratio",6} {"store R MB/s",13} {"raw GET MB/s",13} {"ratio",6}");
        foreach (var row in r["results"]!.AsArray().OfType<JsonNode>())
        {
            double D(string name) => row[name]!.GetValue<double>();
            Console.WriteLine($"{$"{row["rows"]}×{row["dim"]}",10} {(int)row["blob_bytes"]! / 1024.0,8:F1} {D("store_write_mb_s"),13:F1} " +
                              $"{D("raw_write_mb_s"),13:F1} {D("write_ratio"),6:F2} {D("store_read_mb_s"),13:F1} {D("raw_read_mb_s"),13:F1} {D("read_ratio"),6:F2}");
        }
        Console.WriteLine("ratio = store throughput / raw throughput (1.00 = no overhead; reads include checksum and fp16 decode)");
    }
}
