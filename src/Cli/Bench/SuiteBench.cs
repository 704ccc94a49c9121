using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Bench;

/// <summary>What `memplat bench all` runs: the model, repetitions, work sizes, and optionally a subset of benchmarks.</summary>
public sealed record SuiteOptions(string ModelDir, string AdapterDir, int Repeats, IReadOnlyCollection<string> Only)
{
    public const int DefaultDecodeTokens = 64, DefaultIngestSpans = 64;

    /// <summary>Tokens each decode query generates (default: the query API's default max_tokens).</summary>
    public int DecodeTokens { get; init; } = DefaultDecodeTokens;

    /// <summary>Spans of the ingested document (64: a long document, about 25k tokens of the default model, over which a
    /// document's fixed latency of about 0.1 s, from POST to the first encode and past the last, is spread).</summary>
    public int IngestSpans { get; init; } = DefaultIngestSpans;

    /// <summary>Blobs moved per timed store repetition (pipelined, as a document's ingest and query do).</summary>
    public int StoreSpans { get; init; } = 64;
}

/// <summary>
/// `memplat bench all`: every benchmark of issue 7 on one model, in one process, one after the other: the bf16
/// matmul peak (<see cref="EngineBench"/>, for the encoder's MFU), then encode, ttft, decode, ingest, store, memory.
/// Shapes come from the model directory. The model is loaded once, in bf16 on the CPU, as a silo loads it.
/// </summary>
public static class SuiteBench
{
    public static readonly string[] Names = ["encode", "ttft", "decode", "ingest", "store", "memory"];

    public static async Task<JsonObject> RunAsync(SuiteOptions o, string command, Action<string> progress, CancellationToken ct)
    {
        var unknown = o.Only.Except(Names).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"unknown benchmark {string.Join(", ", unknown)}; known: {string.Join(", ", Names)}");
        var selected = o.Only.Count == 0 ? Names : Names.Where(o.Only.Contains).ToArray();
        bool Runs(string name) => selected.Contains(name);

        var baseConfig = LlamaConfig.Load(Path.Combine(o.ModelDir, "config.json"));
        var icaeConfig = IcaeConfig.Load(Path.Combine(o.AdapterDir, IcaeConfig.FileName));
        var date = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        var outcomes = new List<BenchOutcome>();
        JsonObject? engine = null;
        // Every libtorch call of this process (but the decode benchmark's own model grain) runs on this one thread:
        // each calling thread gets its own OpenMP team, and a second, idle team cost an encode 10-15% here.
        using var device = new DeviceThread("bench model");
        await device.RunAsync(() => Torch.Threads = Environment.ProcessorCount);

        if (Runs("encode"))
        {
            progress("engine: matmul peak (memplat bench engine)");
            engine = await device.RunAsync(() => EngineBench.Run(o.Repeats, ct));
        }
        if (selected.Any(n => n is "encode" or "ttft" or "decode" or "ingest"))
        {
            progress($"loading {o.ModelDir} with {o.AdapterDir} (bf16, cpu)");
            var icae = await device.RunAsync(() =>
            {
                var loaded = IcaeModel.Load(o.ModelDir, o.AdapterDir, DType.BFloat16, Device.Cpu);
                _ = loaded.Fingerprint;   // hashes the weights through libtorch: on this thread, not on the first asker's
                return loaded;
            });
            using var model = new IcaeMemoryModel(icae);                                               // owns icae
            if (Runs("encode"))
            {
                progress("encode: memplat and the PyTorch reference, alternating");
                outcomes.Add(await EncodeBench.RunAsync(model, device, baseConfig, icaeConfig, o.ModelDir, o.AdapterDir, o.Repeats, PeakBf16Gflops(engine!), ct));
            }
            if (Runs("ttft"))
            {
                progress("ttft: stored slots, then raw context");
                outcomes.Add(await TtftBench.RunAsync(icae, device, o.Repeats, ct));
            }
            if (Runs("decode"))
            {
                progress("decode: 1, then 8 concurrent queries through a model grain");
                outcomes.Add(await DecodeBench.RunAsync(model, baseConfig.VocabSize, new BatchingOptions(), o.DecodeTokens, o.Repeats, ct));
            }
            if (Runs("ingest"))
                outcomes.Add(await IngestBench.RunAsync(model, device, o.ModelDir, o.AdapterDir, o.IngestSpans, o.Repeats, progress, ct));
        }
        if (Runs("store"))
        {
            progress("store: memory store vs raw SET/GET");
            // A round takes milliseconds: ten times the suite's repetitions cost little and steady the median.
            outcomes.Add(StoreBench.Outcome(await StoreBench.RunAsync(icaeConfig.MemoryTokens, [baseConfig.HiddenSize], o.StoreSpans,
                10 * o.Repeats, SlotDType.Float16, ct)));
        }
        if (Runs("memory")) outcomes.Add(MemoryBench.Run(baseConfig, icaeConfig, kvBytesPerValue: 2));   // bf16 KV, as the silo decodes

        var machine = new JsonObject
        {
            ["cpu"] = BenchStats.CpuModel(),
            ["cores"] = Environment.ProcessorCount,
            ["threads"] = Torch.Threads,
            ["libtorch"] = Torch.Version.ToString(),
            ["load_average_before"] = loadBefore,
            ["load_average_after"] = LoadAverage(),
        };
        var report = SuiteReport.ToJson(outcomes, Names.Except(selected).ToArray(), machine, ModelJson(o, baseConfig, icaeConfig), command, date);
        if (engine is not null) report["engine"] = engine;
        return report;
    }

    /// <summary>The best median bf16 matmul GFLOP/s of the engine benchmark: the peak MFU is measured against.</summary>
    public static double PeakBf16Gflops(JsonObject engine) =>
        engine["matmul"]!.AsArray().Where(r => (string)r!["dtype"]! == "bf16").Max(r => r!["gflops"]!.GetValue<double>());

    private static JsonObject ModelJson(SuiteOptions o, LlamaConfig m, IcaeConfig icae) => new()
    {
        ["name"] = Path.GetFileName(Path.GetFullPath(o.ModelDir).TrimEnd('/')),
        ["dir"] = o.ModelDir,
        ["adapter"] = o.AdapterDir,
        ["shape"] = $"d {m.HiddenSize}, {m.NumHiddenLayers} layers, {m.NumAttentionHeads} heads ({m.NumKeyValueHeads} KV), " +
                    $"ffn {m.IntermediateSize}, k {icae.MemoryTokens}, span {icae.SpanLength}, LoRA r {icae.Lora.Rank}",
    };

    /// <summary>The 1-minute load average (/proc/loadavg), to show how shared the machine was; null where there is none.</summary>
    private static double? LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : null;
}
