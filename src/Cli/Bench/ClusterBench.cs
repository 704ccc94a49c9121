using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryPlatform.Cli.Commands;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `memplat bench cluster`: span encodes per second through the whole ingest path with 1 and with 2 silos, beside the
/// same spans through the model alone (the ceiling), on the same documents in one run (both clusters up at once, timed
/// runs alternating between the three), and the latency a forwarded call adds.
/// The cluster is the real in-process one (TestCluster): silos with their own membership rows, directory entries,
/// HTTP/2 ports, model grain and encode-stream consumer, each serving its own copy of the model loaded exactly as a
/// silo process loads it (IcaeMemoryModel), on a redis-server the bench starts (AOF everysec, as the control instance
/// runs). Documents go in through a ClusterClient, as the gateway sends them; a document's spans spread over the
/// silos through the stream's consumer group. In one process the silos share the libtorch thread pool, and on a
/// machine with fewer cores than silos × threads they share the cores: the 2-silo figure measures what a second
/// silo adds on this machine, not what it adds on its own hardware.
/// A forwarded call is a call that reaches a silo without the grain's activation (a caller's stale location): that
/// silo tries to activate, loses the directory compare-and-set and passes the call to the owner. It is timed against
/// the same call sent straight to the owner, alternating, and checked against the runtime's forwarded-call counter.
/// </summary>
public static class ClusterBench
{
    public sealed record Options(string ModelDir, string AdapterDir, string Device, int[] Silos, int Documents,
        int SpansPerDocument, int Repeats, int Calls, int Threads);

    private sealed record Run(int Spans, double Seconds, Dictionary<string, long> SpansBySilo);

    private static readonly string[] Sentences = LoadSentences();

    public static Command CreateCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var model = new Option<string>("--model") { Description = "Base model directory", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "models", "memplat-tiny") };
        var adapter = new Option<string?>("--adapter") { Description = "ICAE adapter directory (default: MODEL/icae)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N (every silo uses it)", DefaultValueFactory = _ => "cpu" };
        var silos = new Option<int[]>("--silos") { Description = "Cluster sizes to compare", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var documents = new Option<int>("--documents") { Description = "Documents ingested at once per timed run", DefaultValueFactory = _ => 8 };
        var spans = new Option<int>("--spans") { Description = "Spans per document", DefaultValueFactory = _ => 16 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per cluster size (median and min–max reported)", DefaultValueFactory = _ => 5 };
        var calls = new Option<int>("--calls") { Description = "Calls per path in the forwarding test", DefaultValueFactory = _ => 500 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (shared by the silos of the process)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("cluster", "Encode spans/s with 1 and 2 silos (real model, real redis-server) and the latency a forwarded call adds");
        foreach (var option in new Option[] { json, model, adapter, device, silos, documents, spans, repeats, calls, threads }) command.Options.Add(option);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("bench cluster", async () =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var options = new Options(modelDir, Path.GetFullPath(parse.GetValue(adapter) ?? Path.Combine(modelDir, "icae")),
                parse.GetValue(device)!, parse.GetValue(silos)!, parse.GetValue(documents), parse.GetValue(spans),
                parse.GetValue(repeats), parse.GetValue(calls), parse.GetValue(threads));
            var result = await RunAsync(options, m => Console.Error.WriteLine($"bench cluster: {m}"), ct);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else PrintTable(result);
        }));
        return command;
    }

    public static async Task<JsonObject> RunAsync(Options o, Action<string> progress, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(o.ModelDir, "config.json"))) throw new FileNotFoundException($"no model at {o.ModelDir} (config.json missing); pass --model DIR");
        if (o.Silos.Length == 0 || o.Silos.Any(s => s is < 1 or > 8)) throw new ArgumentException("--silos takes cluster sizes from 1 to 8");
        if (o.Documents < 1 || o.SpansPerDocument < 1 || o.Repeats < 1 || o.Calls < 1) throw new ArgumentException("--documents, --spans, --repeats and --calls must be at least 1");
        Torch.Threads = o.Threads;

        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true }, ct);
        progress($"redis-server at {redis.ConnectionString} (AOF everysec)");
        var sizes = o.Silos.Distinct().Order().ToArray();
        var clusters = new List<BenchCluster>();
        try
        {
            foreach (var size in sizes)
            {
                progress($"{size} silo(s): loading the model on each, joining the cluster");
                clusters.Add(await BenchCluster.StartAsync(redis.ConnectionString, size, o, ct));
            }
            var texts = MakeTexts(clusters[0].Models[0], o.Documents, o.SpansPerDocument);
            // The ceiling: the same spans through the model alone, one at a time (the silos' encode batch), no cluster.
            progress("loading the model once more for the model-alone runs");
            using var alone = IcaeMemoryModel.Load(o.ModelDir, o.AdapterDir, o.Device);
            var spans = texts.SelectMany(t => alone.Tokenize(t).Chunk(alone.SpanLength)).ToArray();
            progress("warm-up runs");
            await EncodeAloneAsync(alone, spans, ct);
            foreach (var cluster in clusters) await cluster.IngestAsync("warmup", texts, ct);

            // Round-robin over the contenders, so a change in the machine's load (a training job shares it) falls on
            // every one alike instead of on whichever ran last.
            var aloneRuns = new List<Run>();
            var runs = clusters.ToDictionary(c => c.Size, _ => new List<Run>());
            for (var r = 0; r < o.Repeats; r++)
            {
                // A small model's run finishes before any of its calls waits on the token: check it here, or Ctrl-C
                // goes unheard until every repeat is done.
                ct.ThrowIfCancellationRequested();
                aloneRuns.Add(await EncodeAloneAsync(alone, spans, ct));
                progress($"model alone: run {r + 1}/{o.Repeats}: {aloneRuns[^1].Spans} spans in {aloneRuns[^1].Seconds:F2} s");
                foreach (var cluster in clusters)
                {
                    var run = await cluster.IngestAsync($"run{r}", texts, ct);
                    runs[cluster.Size].Add(run);
                    progress($"{cluster.Size} silo(s): run {r + 1}/{o.Repeats}: {run.Spans} spans in {run.Seconds:F2} s");
                }
            }

            var (aloneMedian, aloneJson) = Summarize(aloneRuns);
            var encode = new JsonArray();
            var medians = new Dictionary<int, double>();
            foreach (var (size, list) in runs)
            {
                var (median, row) = Summarize(list);
                medians[size] = median;
                var bySilo = new JsonObject();
                foreach (var (silo, count) in list.SelectMany(run => run.SpansBySilo).GroupBy(p => p.Key, p => p.Value)
                             .Select(g => (g.Key, g.Sum())).OrderBy(p => p.Key, StringComparer.Ordinal))
                    bySilo[silo] = count;
                row.Insert(0, "silos", size);
                row["of_model_alone"] = Math.Round(median / aloneMedian, 3);
                row["spans_encoded_by_silo"] = bySilo;
                encode.Add(row);
            }

            JsonObject? forward = null;
            if (clusters.LastOrDefault(c => c.Size >= 2) is { } multi)
            {
                progress($"{multi.Size} silos: {o.Calls} direct and {o.Calls} forwarded calls");
                forward = await multi.TimeForwardingAsync(o.Calls, ct);
            }
            return Report(o, sizes, aloneJson, encode, medians, forward);
        }
        finally
        {
            foreach (var cluster in clusters) await cluster.DisposeAsync();
        }
    }

    /// <summary>Median spans/s of the runs, and their JSON (spans per run, median, min–max, each run's seconds).</summary>
    private static (double Median, JsonObject Json) Summarize(List<Run> runs)
    {
        var rates = runs.Select(run => run.Spans / run.Seconds).Order().ToArray();
        var median = BenchStats.Median(rates);
        return (median, new JsonObject
        {
            ["spans_per_run"] = runs[0].Spans,
            ["spans_per_s_median"] = Math.Round(median, 3), ["spans_per_s_min"] = Math.Round(rates[0], 3),
            ["spans_per_s_max"] = Math.Round(rates[^1], 3),
            ["seconds"] = new JsonArray(runs.Select(run => (JsonNode)Math.Round(run.Seconds, 4)).ToArray()),
        });
    }

    /// <summary>The spans encoded one by one by the model itself, on a pool thread (the call blocks).</summary>
    private static async Task<Run> EncodeAloneAsync(IMemoryModel model, int[][] spans, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        await Task.Run(() =>
        {
            foreach (var span in spans) model.EncodeSpans([span], ct);
        }, ct);
        return new Run(spans.Length, Stopwatch.GetElapsedTime(start).TotalSeconds, []);
    }

    private static JsonObject Report(Options o, int[] sizes, JsonObject alone, JsonArray encode, Dictionary<int, double> medians,
        JsonObject? forward) =>
        new()
        {
            ["benchmark"] = "cluster",
            ["model"] = o.ModelDir, ["device"] = o.Device, ["threads"] = o.Threads,
            ["cpu"] = BenchStats.CpuModel(), ["cores"] = Environment.ProcessorCount,
            ["redis"] = "redis-server started by the bench, AOF everysec, loopback",
            ["cluster"] = "in-process TestCluster: silos on loopback HTTP/2, each with its own model grain and encode consumer",
            ["date"] = DateTimeOffset.UtcNow.ToString("u"),
            ["documents"] = o.Documents, ["spans_per_document"] = o.SpansPerDocument, ["repeats"] = o.Repeats,
            ["model_alone"] = alone,
            ["encode"] = encode,
            ["ratio"] = sizes.Length >= 2 ? JsonValue.Create(Math.Round(medians[sizes[^1]] / medians[sizes[0]], 3)) : null,
            ["forward"] = forward,
        };

    public static void PrintTable(JsonObject r)
    {
        Console.WriteLine($"cluster benchmark: {Path.GetFileName(r["model"]!.GetValue<string>())} on {r["device"]}, {r["cores"]} cores ({r["cpu"]}), " +
                          $"{r["threads"]} libtorch threads; {r["documents"]} documents × {r["spans_per_document"]} spans per run, median of {r["repeats"]}");
        Console.WriteLine($"{"",-12} {"spans/s",8} {"min–max",13} {"s per run",10} {"÷ model",8}  spans encoded by each silo (timed runs)");
        void Row(string label, JsonObject row, string ofModel, string shares)
        {
            double D(string name) => row[name]!.GetValue<double>();
            var seconds = row["seconds"]!.AsArray().Select(s => s!.GetValue<double>()).Order().ToArray();
            Console.WriteLine($"{label,-12} {D("spans_per_s_median"),8:F2} {$"{D("spans_per_s_min"):F2}–{D("spans_per_s_max"):F2}",13} " +
                              $"{BenchStats.Median(seconds),10:F2} {ofModel,8}  {shares}");
        }
        Row("model alone", r["model_alone"]!.AsObject(), "1.00", "");
        foreach (var row in r["encode"]!.AsArray().OfType<JsonObject>())
            Row($"{row["silos"]} silo(s)", row, $"{row["of_model_alone"]!.GetValue<double>():F2}",
                string.Join(" / ", row["spans_encoded_by_silo"]!.AsObject().Select(p => p.Value!.GetValue<long>())));
        if (r["ratio"] is { } ratio) Console.WriteLine($"largest / smallest cluster: {ratio.GetValue<double>():F2}×");
        if (r["forward"] is not JsonObject f) return;
        Console.WriteLine($"forwarding: {f["method"]} of a ready document, {f["calls"]} calls per path, alternating (ms)");
        Console.WriteLine($"{"path",-26} {"median",7} {"p90",7} {"p99",7} {"min",7}");
        foreach (var (label, name) in new[] { ("direct (owner silo)", "direct_ms"), ("forwarded (other silo)", "forwarded_ms"), ("cluster client (gateway)", "client_ms") })
        {
            var p = f[name]!;
            Console.WriteLine($"{label,-26} {p["median"]!.GetValue<double>(),7:F3} {p["p90"]!.GetValue<double>(),7:F3} {p["p99"]!.GetValue<double>(),7:F3} {p["min"]!.GetValue<double>(),7:F3}");
        }
        Console.WriteLine($"added by forwarding: {f["added_ms"]!.GetValue<double>():F3} ms (median forwarded − median direct)");
    }

    /// <summary>
    /// Documents of exactly <paramref name="spans"/> spans each: the sample's words in a shuffled order per document, with
    /// a numbered marker every few words, so no two spans share content (identical spans of a tenant would be copied,
    /// not encoded). The length is found by bisection over the word count on the model's own tokenizer.
    /// </summary>
    private static string[] MakeTexts(IMemoryModel model, int documents, int spans)
    {
        var length = model.SpanLength;
        var target = (spans - 1) * length + length / 2;   // mid-way into the last span
        var sample = Sentences.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        return Enumerable.Range(0, documents).Select(d =>
        {
            var random = new Random(d + 1);
            // Every word is at least one token, so this many words reach the target.
            var words = new List<string>();
            for (var n = 0; words.Count < spans * length; n++)
            {
                words.Add($"[{d}.{n}]");
                for (var w = 0; w < 3; w++) words.Add(sample[random.Next(sample.Length)]);
            }
            int lo = 1, hi = words.Count;   // the fewest words whose tokens reach the target
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (model.Tokenize(string.Join(' ', words.Take(mid))).Length >= target) hi = mid;
                else lo = mid + 1;
            }
            var text = string.Join(' ', words.Take(lo));
            var tokens = model.Tokenize(text).Length;
            if ((tokens + length - 1) / length != spans)
                throw new InvalidOperationException($"document {d}: {tokens} tokens do not make {spans} spans of {length}");
            return text;
        }).ToArray();
    }

    private static string[] LoadSentences()
    {
        var path = Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt");
        return File.ReadAllText(path).Split(['.', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => s.Length > 0).Select(s => s + ".").ToArray();
    }

    private static JsonObject Percentiles(List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new JsonObject
        {
            ["median"] = Math.Round(BenchStats.Median(sorted), 4), ["p90"] = Math.Round(At(0.90), 4), ["p99"] = Math.Round(At(0.99), 4),
            ["min"] = Math.Round(sorted[0], 4), ["max"] = Math.Round(sorted[^1], 4),
        };
    }

    /// <summary>One cluster of the benchmark: silos, their model hosts and models, and a client.</summary>
    private sealed class BenchCluster : IAsyncDisposable
    {
        private readonly TestCluster _cluster;
        private readonly List<SiloModelHost> _hosts = [];
        private readonly ClusterClient _client;
        private readonly MetricTally _encoded = new(GrainsMetrics.MeterName, "memplat_model_batch_size", "kind", "encode");
        private readonly MetricTally _forwarded = new(RuntimeMetrics.MeterName, "memplat.runtime.calls.forwarded", null, null);

        private BenchCluster(TestCluster cluster, ClusterClient client, int size)
        {
            _cluster = cluster;
            _client = client;
            Size = size;
            _tenantPrefix = $"c{size}-";
        }

        public int Size { get; }

        /// <summary>Clusters of one run share the redis-server, and tenants live in Redis: each cluster names its own.</summary>
        private readonly string _tenantPrefix;

        public List<IMemoryModel> Models { get; } = [];

        private DocumentStore Documents => _cluster.Services.GetRequiredService<DocumentStore>();

        public static async Task<BenchCluster> StartAsync(string redis, int silos, Options o, CancellationToken ct)
        {
            var clusterId = $"bench-{silos}-{Guid.NewGuid().ToString("N")[..8]}";
            var grains = new GrainsOptions
            {
                ControlRedis = redis,
                Model = new ModelOptions { Path = o.ModelDir, AdapterPath = o.AdapterDir, Device = o.Device },
                EncodeQueue = new EncodeQueueOptions { StreamKey = "memplat:encode:" + clusterId },
            };
            var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",abortConnect=false");
            var cluster = await TestCluster.StartAsync(new TestClusterOptions
            {
                RedisConnectionString = redis,
                ClusterId = clusterId,
                InitialSilos = silos,
                Grains = new GrainTypeRegistry().AddMemoryPlatformGrains(),
                ConfigureServices = s =>
                {
                    s.AddSingleton(new RedisStores(connection, connection, owns: true));
                    s.AddMemoryPlatformGrains(grains);
                },
                LoggerFactory = NullLoggerFactory.Instance,
            }, ct);
            var client = new ClusterClient(new ClusterClientOptions { ClusterId = clusterId, RedisConnectionString = redis });
            var bench = new BenchCluster(cluster, client, silos);
            try
            {
                foreach (var silo in cluster.Silos)
                {
                    var model = IcaeMemoryModel.Load(o.ModelDir, o.AdapterDir, o.Device);
                    bench.Models.Add(model);
                    bench._hosts.Add(SiloModelHost.Start(silo, model, cluster.Services));
                }
                await client.StartAsync(ct);
            }
            catch
            {
                await bench.DisposeAsync();
                throw;
            }
            return bench;
        }

        /// <summary>Ingests every text as a document of a fresh tenant at once; times the first ingest call to the last
        /// document ready; then deletes the documents (untimed).</summary>
        public async Task<Run> IngestAsync(string name, string[] texts, CancellationToken ct)
        {
            var tenant = _tenantPrefix + name;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromMinutes(20));
            var factory = _client.GrainFactory;
            await factory.GetGrain<ITenantGrain>(tenant).Create("bench " + tenant, limit.Token);
            var encodedBefore = _encoded.Snapshot();
            var start = Stopwatch.GetTimestamp();
            var statuses = await Task.WhenAll(texts.Select((text, i) =>
                factory.GetGrain<IDocumentGrain>(GrainKeys.Document(tenant, $"doc{i}")).Ingest(text, limit.Token)));
            try
            {
                while (true)
                {
                    // Polls the control data directly: cheap, so polling takes no CPU from the encodes it times.
                    var records = await Task.WhenAll(statuses.Select(s => Documents.GetAsync(tenant, s.Id)));
                    if (records.FirstOrDefault(r => r is null || r.State == DocumentState.Failed) is { } bad)
                        throw new InvalidOperationException($"document {tenant}/{bad.DocId} failed: {bad.Error}");
                    if (records.All(r => r!.State == DocumentState.Ready)) break;
                    await Task.Delay(20, limit.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the documents of {tenant} were not ready after 20 minutes");
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var spans = statuses.Sum(s => s.Spans);
            var bySilo = Own(_encoded.Since(encodedBefore));
            if (bySilo.Values.Sum() < spans)
                throw new InvalidOperationException($"{spans} spans but the model grains encoded {bySilo.Values.Sum()}: some were copied, the texts repeat");
            foreach (var status in statuses) await factory.GetGrain<IDocumentGrain>(GrainKeys.Document(tenant, status.Id)).Delete(ct);
            return new Run(spans, seconds, bySilo);
        }

        /// <summary>The counts of this cluster's silos: a tally hears every cluster of the process, and another cluster's
        /// late measurement may fall into this one's window.</summary>
        private Dictionary<string, long> Own(Dictionary<string, long> bySilo)
        {
            var silos = _cluster.Silos.Select(s => s.SiloId).ToHashSet();
            return bySilo.Where(p => silos.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        }

        /// <summary>Status reads of one ready document, sent alternately to its owner and to another silo.</summary>
        public async Task<JsonObject> TimeForwardingAsync(int calls, CancellationToken ct)
        {
            var tenant = _tenantPrefix + "forward";
            var key = GrainKeys.Document(tenant, "doc");
            await _client.GrainFactory.GetGrain<ITenantGrain>(tenant).Create("bench forward", ct);
            var document = _client.GrainFactory.GetGrain<IDocumentGrain>(key);
            await document.Ingest(Sentences[0], ct);
            for (DocumentStatus? status; (status = await document.GetStatus(ct))?.Status != DocumentState.Ready;)
            {
                if (status?.Status != DocumentState.Encoding) throw new InvalidOperationException($"the document is {status?.Status}: {status?.Error}");
                await Task.Delay(20, ct);
            }
            var entry = await new GrainDirectory(_cluster.Services.GetRequiredService<RedisStores>().Control, _cluster.ClusterId)
                .LookupAsync(GrainId.Create<IDocumentGrain>(key)) ?? throw new InvalidOperationException("the document grain has no directory entry");
            var owner = _cluster.Silos.Single(s => s.SiloId == entry.SiloId);
            var other = _cluster.Silos.First(s => s != owner);

            using var caller = new SiloCaller();
            Task<DocumentStatus?> Via(Silo silo) =>
                caller.CallAsync<IDocumentGrain, DocumentStatus?>(silo.Address, key, nameof(IDocumentGrain.GetStatus), [], ct);
            var direct = new List<double>(calls);
            var forwarded = new List<double>(calls);
            var client = new List<double>(calls);
            var forwardsBefore = _forwarded.Snapshot();
            const int warmup = 50;
            for (var i = 0; i < warmup + calls; i++)
            {
                ct.ThrowIfCancellationRequested();
                var timed = i >= warmup;
                var t = Stopwatch.GetTimestamp();
                await Via(owner);
                if (timed) direct.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                t = Stopwatch.GetTimestamp();
                await Via(other);
                if (timed) forwarded.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                t = Stopwatch.GetTimestamp();
                await document.GetStatus(ct);
                if (timed) client.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            var forwards = Own(_forwarded.Since(forwardsBefore));
            // The measurement is only what it claims if every call to the other silo, and no other call, was forwarded.
            if (forwards.GetValueOrDefault(other.SiloId) != warmup + calls || forwards.GetValueOrDefault(owner.SiloId) != 0)
                throw new InvalidOperationException($"expected {warmup + calls} forwards by {other.SiloId} and none by the owner; counted " +
                                                    string.Join(", ", forwards.Select(p => $"{p.Key}={p.Value}")));
            var directStats = Percentiles(direct);
            var forwardedStats = Percentiles(forwarded);
            return new JsonObject
            {
                ["method"] = "IDocumentGrain.GetStatus", ["calls"] = calls, ["warmup"] = warmup,
                ["forwarded_counted"] = forwards[other.SiloId],
                ["direct_ms"] = directStats, ["forwarded_ms"] = forwardedStats, ["client_ms"] = Percentiles(client),
                ["added_ms"] = Math.Round(forwardedStats["median"]!.GetValue<double>() - directStats["median"]!.GetValue<double>(), 4),
            };
        }

        public async ValueTask DisposeAsync()
        {
            await _client.DisposeAsync();
            foreach (var host in _hosts) await host.DisposeAsync(); // consumers stop before the shared connection goes
            await _cluster.DisposeAsync();
            foreach (var model in Models) model.Dispose();
            _encoded.Dispose();
            _forwarded.Dispose();
        }
    }

    /// <summary>Sums one instrument's measurements per silo tag (optionally only those with a given tag value).</summary>
    private sealed class MetricTally : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _bySilo = [];

        public MetricTally(string meter, string instrument, string? tag, string? value)
        {
            _listener.InstrumentPublished = (i, listener) =>
            {
                if (i.Meter.Name == meter && i.Name == instrument) listener.EnableMeasurementEvents(i);
            };
            _listener.SetMeasurementEventCallback<int>((_, v, tags, _) => Add(v, tags, tag, value));
            _listener.SetMeasurementEventCallback<long>((_, v, tags, _) => Add(v, tags, tag, value));
            _listener.Start();
        }

        private void Add(long amount, ReadOnlySpan<KeyValuePair<string, object?>> tags, string? tag, string? value)
        {
            string? silo = null;
            var match = tag is null;
            foreach (var t in tags)
            {
                if (t.Key == "silo") silo = t.Value as string;
                else if (t.Key == tag && Equals(t.Value, value)) match = true;
            }
            if (silo is null || !match) return;
            lock (_bySilo) _bySilo[silo] = _bySilo.GetValueOrDefault(silo) + amount;
        }

        public Dictionary<string, long> Snapshot()
        {
            lock (_bySilo) return new Dictionary<string, long>(_bySilo);
        }

        public Dictionary<string, long> Since(Dictionary<string, long> before) =>
            Snapshot().Select(p => (p.Key, Value: p.Value - before.GetValueOrDefault(p.Key))).Where(p => p.Value > 0)
                .ToDictionary(p => p.Key, p => p.Value);

        public void Dispose() => _listener.Dispose();
    }
}
