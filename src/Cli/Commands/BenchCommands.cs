using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.Cli.Bench;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat bench ...`: benchmarks that compare side by side in one run and print a table (or JSON).</summary>
public static class BenchCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var bench = new Command("bench", "Run benchmarks (tables, or JSON with --json)");
        bench.Subcommands.Add(Engine());
        bench.Subcommands.Add(Model());
        bench.Subcommands.Add(Store());
        bench.Subcommands.Add(Tokenizer());
        bench.Subcommands.Add(ClusterBench.CreateCommand());
        bench.Subcommands.Add(All());
        return bench;
    }

    private static Command Model()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var model = new Option<string?>("--model") { Description = "Model directory; default: a random model of memplat-tiny's shape" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions", DefaultValueFactory = _ => 3 };
        var command = new Command("model", "Prefill and decode tokens/s, batch 1 and 8, f32 and bf16");
        command.Options.Add(json);
        command.Options.Add(model);
        command.Options.Add(repeats);
        command.SetAction(parse =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var result = ModelBench.Run(parse.GetValue(model), parse.GetValue(repeats));
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else ModelBench.PrintTable(result);
            return 0;
        });
        return command;
    }

    private static Command Store()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var rows = new Option<int>("--rows") { Description = "Slots per span (k)", DefaultValueFactory = _ => 128 };
        var dims = new Option<int[]>("--dims") { Description = "Hidden sizes (d) to measure", DefaultValueFactory = _ => [512, 2048, 4096], AllowMultipleArgumentsPerToken = true };
        var spans = new Option<int>("--spans") { Description = "Blobs moved per timed repetition", DefaultValueFactory = _ => 64 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (median reported)", DefaultValueFactory = _ => 5 };
        var int8 = new Option<bool>("--int8") { Description = "Int8 blobs instead of Float16" };
        var command = new Command("store", "Slot blob write/read MB/s through the memory store vs raw SET/GET, on a redis-server it starts");
        foreach (var option in new Option[] { json, rows, dims, spans, repeats, int8 }) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var result = await StoreBench.RunAsync(parse.GetValue(rows), parse.GetValue(dims)!, parse.GetValue(spans),
                parse.GetValue(repeats), parse.GetValue(int8) ? SlotDType.Int8 : SlotDType.Float16, ct);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else StoreBench.PrintTable(result);
            return 0;
        });
        return command;
    }

    private static Command Tokenizer()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var model = new Option<string>("--model") { Description = "SentencePiece model file", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "models", "memplat-tiny", "tokenizer.model") };
        var text = new Option<string>("--text") { Description = "Text file, repeated to --megabytes", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt") };
        var megabytes = new Option<double>("--megabytes") { Description = "Size of the encoded text (8x for the linearity check)", DefaultValueFactory = _ => 1.0 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (median reported)", DefaultValueFactory = _ => 5 };
        var command = new Command("tokenizer", "Encode MB/s vs SentencePiece's own encoder (python3-sentencepiece) on the same text, ids checked equal");
        foreach (var option in new Option[] { json, model, text, megabytes, repeats }) command.Options.Add(option);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("bench tokenizer", () =>
        {
            if (!(parse.GetValue(megabytes) > 0) || parse.GetValue(repeats) < 1) throw new ArgumentException("--megabytes must be positive and --repeats at least 1");
            var result = TokenizerBench.Run(parse.GetValue(model)!, parse.GetValue(text)!, parse.GetValue(megabytes), parse.GetValue(repeats), ct);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else TokenizerBench.PrintTable(result);
            return Task.CompletedTask;
        }));
        return command;
    }

    private static Command All()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var model = new Option<string>("--model") { Description = "Base model directory", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "models", "memplat-tiny") };
        var adapter = new Option<string?>("--adapter") { Description = "ICAE adapter directory (default: MODEL/icae)" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (median reported; store runs 10x)", DefaultValueFactory = _ => 10 };
        var only = new Option<string[]>("--only") { Description = $"Run only these benchmarks ({string.Join(", ", SuiteBench.Names)})", AllowMultipleArgumentsPerToken = true };
        var ingestSpans = new Option<int>("--ingest-spans") { Description = "Spans of the ingested document", DefaultValueFactory = _ => SuiteOptions.DefaultIngestSpans };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Tokens generated per decode query", DefaultValueFactory = _ => SuiteOptions.DefaultDecodeTokens };
        var save = new Option<string?>("--save") { Description = "Also write the JSON to this file (the table still prints)" };
        var command = new Command("all", "Every benchmark on the default model, one table (or JSON) with targets and all_targets_met");
        foreach (var option in new Option[] { json, model, adapter, repeats, only, ingestSpans, decodeTokens, save }) command.Options.Add(option);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("bench all", async () =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var options = new SuiteOptions(modelDir, Path.GetFullPath(parse.GetValue(adapter) ?? Path.Combine(modelDir, "icae")),
                parse.GetValue(repeats), parse.GetValue(only) ?? [])
            {
                IngestSpans = parse.GetValue(ingestSpans),
                DecodeTokens = parse.GetValue(decodeTokens),
            };
            var result = await SuiteBench.RunAsync(options, "./memplat " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                m => Console.Error.WriteLine($"bench all: {m}"), ct);
            if (parse.GetValue(save) is { } path) await File.WriteAllTextAsync(path, result.ToJsonString(Indented) + "\n", ct);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else foreach (var line in SuiteReport.Table(result)) Console.WriteLine(line);
        }));
        return command;
    }

    private static Command Engine()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per size", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (both sides)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("engine", "Matmul GFLOP/s (f32, bf16) and per-op overhead, vs PyTorch on the same libtorch");
        command.Options.Add(json);
        command.Options.Add(repeats);
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            Torch.Threads = parse.GetValue(threads);
            var result = EngineBench.Run(parse.GetValue(repeats));
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else EngineBench.PrintTable(result);
            return 0;
        });
        return command;
    }
}
