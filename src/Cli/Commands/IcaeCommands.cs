using System.CommandLine;
using System.Text;
using System.Text.Json;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat icae init|reconstruct|ask`: create an ICAE adapter, and compress a text into memory slots and decode from them.</summary>
public static class IcaeCommands
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Base model directory (config.json, *.safetensors, tokenizer.model)", Required = true };
    private static readonly Option<string> AdapterOption = new("--adapter") { Description = "ICAE adapter directory (icae_config.json, adapter.safetensors)", Required = true };
    private static readonly Option<string> TextFileOption = new("--text-file") { Description = "UTF-8 text to compress", Required = true };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: f32 or bf16", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string> DeviceOption = new("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
    private static readonly Option<int> EncodeBatchOption = new("--encode-batch") { Description = "Spans per encoder pass", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> NoRepeatOption = new("--no-repeat-ngram")
    {
        Description = "n > 0: never write an n-gram of the output twice (greedy loops; docs/results-icae.md measures n = 3, 4 and 6)",
    };

    public static Command Create()
    {
        var icae = new Command("icae", "In-context autoencoder: compress text into memory slots, decode from them");
        icae.Subcommands.Add(Init());
        icae.Subcommands.Add(Reconstruct());
        icae.Subcommands.Add(Ask());
        return icae;
    }

    private static Command Init()
    {
        var output = new Option<string>("--out") { Description = "Adapter directory to write", Required = true };
        var defaults = new IcaeConfig();
        var k = new Option<int>("--k") { Description = "Memory slots per span", DefaultValueFactory = _ => defaults.MemoryTokens };
        var span = new Option<int>("--span") { Description = "Tokens per span", DefaultValueFactory = _ => defaults.SpanLength };
        var rank = new Option<int>("--rank") { Description = "LoRA rank r", DefaultValueFactory = _ => defaults.Lora.Rank };
        var alpha = new Option<double>("--alpha") { Description = "LoRA alpha", DefaultValueFactory = _ => defaults.Lora.Alpha };
        var dropout = new Option<double>("--dropout") { Description = "LoRA dropout (training only)", DefaultValueFactory = _ => defaults.Lora.Dropout };
        var targets = new Option<string>("--targets") { Description = "Comma-separated projections (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj)", DefaultValueFactory = _ => string.Join(',', defaults.Lora.Targets) };
        var maxScale = new Option<int>("--max-rope-scale") { Description = "Largest E²-LLM scale g the base model was trained for", DefaultValueFactory = _ => defaults.MaxRopeScale };
        var chatPrefix = new Option<string?>("--chat-prefix") { Description = "Chat marker before the slots in the fine-tuned layout (e.g. \"[INST]\"); BOS goes first" };
        var chatSuffix = new Option<string?>("--chat-suffix") { Description = "Chat marker after the prompt (e.g. \" [/INST]\")" };
        var decoderPrefix = new Option<string?>("--decoder-prefix") { Description = "Text the decoder reads after BOS before the slots, in every layout (e.g. \"Text:\")" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL };
        var command = new Command("init", "Write a fresh adapter (LoRA B = 0, random memory rows) for a base model");
        foreach (var o in new Option[] { ModelOption, output, k, span, rank, alpha, dropout, targets, maxScale, chatPrefix, chatSuffix, decoderPrefix, seed })
            command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("icae init", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var modelDir = parse.GetValue(ModelOption)!;
            var prefix = parse.GetValue(chatPrefix);
            var suffix = parse.GetValue(chatSuffix);
            var config = new IcaeConfig
            {
                MemoryTokens = parse.GetValue(k), SpanLength = parse.GetValue(span), MaxRopeScale = parse.GetValue(maxScale),
                Lora = new LoraConfig
                {
                    Rank = parse.GetValue(rank), Alpha = parse.GetValue(alpha), Dropout = parse.GetValue(dropout),
                    Targets = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                },
                Chat = prefix is null && suffix is null ? null : new ChatMarkers(prefix ?? "", suffix ?? ""),
                DecoderPrefix = parse.GetValue(decoderPrefix),
            };
            config.Validate("command line");
            using var model = IcaeModel.Create(Llama.Load(modelDir, DType.Float32), config, parse.GetValue(seed), LoadTokenizer(modelDir));
            var outDir = parse.GetValue(output)!;
            model.SaveAdapter(outDir);
            var trainable = model.TrainableParameters().Sum(p => p.Value.NumElements);
            Console.WriteLine($"fresh ICAE adapter in {outDir}: k {config.MemoryTokens}, span {config.SpanLength}, LoRA r {config.Lora.Rank} on " +
                              $"[{string.Join(", ", config.Lora.Targets)}], {trainable:N0} trainable parameters, fingerprint {model.Fingerprint}");
        }));
        return command;
    }

    private static Command Reconstruct()
    {
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Tokens to generate per span at most (default: span length + 8)" };
        var command = new Command("reconstruct", "Encode a text into slots span by span and decode each with the autoencoding layout [slots][AE]");
        foreach (var o in new Option[] { ModelOption, AdapterOption, TextFileOption, JsonOption, DTypeOption, DeviceOption, maxTokens, EncodeBatchOption, NoRepeatOption })
            command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("icae reconstruct", async () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            using var model = Load(parse);
            var tokenizer = RequireTokenizer(model, parse);
            var spans = Spans(model, tokenizer, parse);
            using var slots = EncodeAll(model, spans, parse.GetValue(EncodeBatchOption));         // [N, k, d]
            var budget = parse.GetValue(maxTokens) ?? spans.Max(s => s.Length) + 8;
            // A span is never empty: the decoder may not end a reconstruction before its first token.
            var options = new GenerationOptions { MaxTokens = budget, MinTokens = Math.Min(1, budget), NoRepeatNgram = parse.GetValue(NoRepeatOption) };
            var prompts = Enumerable.Range(0, spans.Count).Select(i => IcaePrompt.AutoEncode(slots.Select(0, i))).ToArray();
            var generated = await model.GenerateAllAsync(prompts, options, ct);
            foreach (var p in prompts) p.Slots[0].Dispose();
            var text = tokenizer.Decode(generated.SelectMany(g => g));
            if (parse.GetValue(JsonOption))
                Console.WriteLine(JsonSerializer.Serialize(new { spans = spans.Count, slots = spans.Count * model.MemoryTokens, text }));
            else
            {
                Console.Error.WriteLine($"memplat icae reconstruct: {spans.Sum(s => s.Length)} tokens, {spans.Count} spans, {spans.Count * model.MemoryTokens} slots");
                Console.WriteLine(text);
            }
        }));
        return command;
    }

    private static Command Ask()
    {
        var prompt = new Option<string>("--prompt") { Description = "The question", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Answer tokens at most", DefaultValueFactory = _ => 128 };
        var command = new Command("ask", "Encode a text into slots and answer a prompt over them with the layout [slots][FT] prompt");
        foreach (var o in new Option[] { ModelOption, AdapterOption, TextFileOption, prompt, JsonOption, DTypeOption, DeviceOption, maxTokens, EncodeBatchOption, NoRepeatOption })
            command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("icae ask", async () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            using var model = Load(parse);
            var tokenizer = RequireTokenizer(model, parse);
            var spans = Spans(model, tokenizer, parse);
            using var slots = EncodeAll(model, spans, parse.GetValue(EncodeBatchOption));         // [N, k, d], concatenated in order
            var question = tokenizer.Encode(parse.GetValue(prompt)!);
            var options = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), NoRepeatNgram = parse.GetValue(NoRepeatOption) };
            var asJson = parse.GetValue(JsonOption);
            var answer = new List<int>();
            var printed = "";
            await foreach (var token in model.GenerateAsync([IcaePrompt.Ask([slots], question)], options, ct))
            {
                answer.Add(token.TokenId);
                if (asJson) continue;
                var textSoFar = tokenizer.Decode(answer);
                if (textSoFar.Length > printed.Length && !textSoFar.EndsWith('\uFFFD'))
                {
                    Console.Write(textSoFar[printed.Length..]);
                    printed = textSoFar;
                }
            }
            var text = tokenizer.Decode(answer);
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(new { answer = text }));
            else Console.WriteLine(text[printed.Length..]);
        }));
        return command;
    }

    // ---- shared pieces ----

    private static IcaeModel Load(ParseResult parse) =>
        IcaeModel.Load(parse.GetValue(ModelOption)!, parse.GetValue(AdapterOption)!,
                       DTypeExtensions.Parse(parse.GetValue(DTypeOption)!), Device.Parse(parse.GetValue(DeviceOption)!));

    private static SentencePieceTokenizer? LoadTokenizer(string modelDir)
    {
        var path = Path.Combine(modelDir, "tokenizer.model");
        return File.Exists(path) ? SentencePieceTokenizer.Load(path) : null;
    }

    private static SentencePieceTokenizer RequireTokenizer(IcaeModel model, ParseResult parse) =>
        model.Tokenizer ?? throw new FileNotFoundException($"{Path.Combine(parse.GetValue(ModelOption)!, "tokenizer.model")} is needed to tokenize text");

    /// <summary>The text file's tokens (no BOS: a span in the middle of a document has none either) cut into spans.</summary>
    private static IReadOnlyList<int[]> Spans(IcaeModel model, SentencePieceTokenizer tokenizer, ParseResult parse)
    {
        var path = parse.GetValue(TextFileOption)!;
        var spans = model.SplitSpans(tokenizer.Encode(File.ReadAllText(path, Encoding.UTF8)));
        return spans.Count > 0 ? spans : throw new InvalidDataException($"{path}: no text to compress");
    }

    /// <summary>Slots [N, k, d] of every span, encoded <paramref name="batch"/> spans at a time to bound memory.</summary>
    private static Tensor EncodeAll(IcaeModel model, IReadOnlyList<int[]> spans, int batch)
    {
        if (batch < 1) throw new ArgumentException("--encode-batch must be at least 1");
        using var scope = TensorScope.Begin();
        var blocks = spans.Chunk(batch).Select(chunk => model.Encode(chunk)).ToArray();
        return TensorScope.Escape(Tensor.Cat(blocks));
    }
}
