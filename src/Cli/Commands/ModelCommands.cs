using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat forward` and `memplat generate`: run an HF-layout Llama-family model directory.</summary>
public static class ModelCommands
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory (config.json, *.safetensors, tokenizer.model)", Required = true };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: f32 or bf16", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string> DeviceOption = new("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };

    public static IEnumerable<Command> Create() => [Forward(), Generate(), Export(), Grow(), Rescale()];

    /// <summary>`memplat export`: a model (or a training checkpoint) rewritten in another dtype, tokenizer included.</summary>
    private static Command Export()
    {
        var output = new Option<string>("--out") { Description = "Directory to write (HF layout)", Required = true };
        var command = new Command("export", "Write a model (e.g. a training checkpoint, fp32) as an HF directory in --dtype (bf16 halves it)");
        foreach (var o in new Option[] { ModelOption, output, DTypeOption, DeviceOption }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("export", () =>
        {
            var source = parse.GetValue(ModelOption)!;
            var target = parse.GetValue(output)!;
            using var model = Load(parse);
            model.Save(target);
            CopyTokenizer(source, target);
            Console.WriteLine($"{source} → {target} ({model.DType})");
        }));
        return command;
    }

    /// <summary>`memplat grow`: the model with more layers or heads, computing exactly what it did (ModelGrowth).</summary>
    private static Command Grow()
    {
        var output = new Option<string>("--out") { Description = "Directory to write (HF layout, f32)", Required = true };
        var layers = new Option<int?>("--layers") { Description = "Layers in all (new ones go on top); default: as now" };
        var heads = new Option<int?>("--heads") { Description = "Query heads per layer; default: as now" };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "K/V heads per layer; default: as now" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the new weights", DefaultValueFactory = _ => 0 };
        var command = new Command("grow", "Write the model with more layers, heads or K/V heads; the new parts start silent (zero outputs), so it computes what it did until trained");
        foreach (var o in new Option[] { ModelOption, output, layers, heads, kvHeads, seed }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("grow", () =>
        {
            var source = parse.GetValue(ModelOption)!;
            var target = parse.GetValue(output)!;
            using var model = Llama.Load(source, DType.Float32);
            var c = model.Config;
            var grown = ModelGrowth.Write(model, parse.GetValue(layers) ?? c.NumHiddenLayers, parse.GetValue(heads) ?? c.NumAttentionHeads,
                                          parse.GetValue(kvHeads) ?? c.NumKeyValueHeads, parse.GetValue(seed), target);
            CopyTokenizer(source, target);
            Console.WriteLine($"{source} → {target}: {c.NumHiddenLayers} → {grown.NumHiddenLayers} layers, " +
                              $"{c.NumAttentionHeads} → {grown.NumAttentionHeads} heads, {c.NumKeyValueHeads} → {grown.NumKeyValueHeads} K/V heads");
        }));
        return command;
    }

    /// <summary>`memplat rescale`: the residual stream c times larger, a tied model's final hidden states c times smaller, the logits unchanged (EmbeddingRescale).</summary>
    private static Command Rescale()
    {
        var output = new Option<string>("--out") { Description = "Directory to write (HF layout, f32)", Required = true };
        var factor = new Option<double>("--factor") { Description = "c: embeddings, o_proj and down_proj × c; a tied model's final norm ÷ c", Required = true };
        var command = new Command("rescale", "Write the model with its embeddings c times larger and (tied head) its final hidden states c times smaller; the logits stay the same");
        foreach (var o in new Option[] { ModelOption, output, factor }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("rescale", () =>
        {
            var source = parse.GetValue(ModelOption)!;
            var target = parse.GetValue(output)!;
            using var model = Llama.Load(source, DType.Float32);
            EmbeddingRescale.Write(model, parse.GetValue(factor), target);
            CopyTokenizer(source, target);
            Console.WriteLine($"{source} → {target}: residual stream × {parse.GetValue(factor)}");
        }));
        return command;
    }

    private static Command Forward()
    {
        var ids = new Option<string>("--ids") { Description = "Comma-separated token ids", Required = true };
        var output = new Option<string>("--out") { Description = "safetensors file to write (key 'logits', float32 [tokens, vocab])", Required = true };
        var command = new Command("forward", "Write the final logits of a token sequence");
        foreach (var o in new Option[] { ModelOption, ids, output, DTypeOption, DeviceOption }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("forward", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var tokens = ParseIds(parse.GetValue(ids)!);
            using var model = Load(parse);
            CheckIds(tokens, model);
            using var scope = TensorScope.Begin();
            using var noGrad = Autograd.NoGrad();
            var x = model.Embed(Tensor.From(tokens.Select(t => (long)t).ToArray(), 1, tokens.Length).To(model.Device));
            var positions = Tensor.Arange(tokens.Length).Unsqueeze(0).To(model.Device);
            var logits = model.Logits(model.Forward(x, positions, model.RopeFor(tokens.Length))).Select(0, 0);   // [T, V]
            new SafeTensorsWriter().Add("logits", logits).Save(parse.GetValue(output)!);
        }));
        return command;
    }

    private static Command Generate()
    {
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (needs tokenizer.model in the model directory)" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"text\": \"...\"} of the generated part" };
        var command = new Command("generate", "Generate a continuation, streaming text as it is produced");
        foreach (var o in new Option[] { ModelOption, prompt, promptIds, maxTokens, temperature, topP, topK, seed, DTypeOption, DeviceOption, json })
            command.Options.Add(o);
        command.Validators.Add(r =>
        {
            if ((r.GetResult(prompt) is null) == (r.GetResult(promptIds) is null)) r.AddError("Give exactly one of --prompt or --prompt-ids.");
        });
        command.SetAction((parse, ct) => CommandErrors.RunAsync("generate", async () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            using var model = Load(parse);
            var tokenizerPath = Path.Combine(parse.GetValue(ModelOption)!, "tokenizer.model");
            var tokenizer = File.Exists(tokenizerPath) ? SentencePieceTokenizer.Load(tokenizerPath) : null;
            int[] input;
            if (parse.GetValue(prompt) is string text)
            {
                if (tokenizer is null) throw new FileNotFoundException($"--prompt needs {tokenizerPath}; use --prompt-ids without a tokenizer");
                input = tokenizer.Encode(text, addBos: tokenizer.BosId >= 0);
            }
            else input = ParseIds(parse.GetValue(promptIds)!);
            CheckIds(input, model);

            var options = new GenerationOptions
            {
                MaxTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature),
                TopP = parse.GetValue(topP), TopK = parse.GetValue(topK), Seed = parse.GetValue(seed),
            };
            var generated = new List<int>();
            var printed = "";
            var asJson = parse.GetValue(json);
            await foreach (var token in new Generator(model).GenerateAsync([input], options, ct))
            {
                generated.Add(token.TokenId);
                if (asJson) continue;
                if (tokenizer is null) { Console.Write($"{token.TokenId} "); continue; }
                // Decode the whole tail each time: a character may span several byte-fallback tokens.
                var textSoFar = tokenizer.Decode(generated);
                if (textSoFar.Length > printed.Length && !textSoFar.EndsWith('\uFFFD'))
                {
                    Console.Write(textSoFar[printed.Length..]);
                    printed = textSoFar;
                }
            }
            if (asJson)
                Console.WriteLine(JsonSerializer.Serialize(new { ids = generated, text = tokenizer?.Decode(generated) ?? "" }));
            else
            {
                if (tokenizer is not null) Console.Write(tokenizer.Decode(generated)[printed.Length..]);
                Console.WriteLine();
            }
        }));
        return command;
    }

    /// <summary>A written model keeps its source's tokenizer.model, when there is one.</summary>
    private static void CopyTokenizer(string source, string target)
    {
        var tokenizer = Path.Combine(source, "tokenizer.model");
        if (File.Exists(tokenizer)) File.Copy(tokenizer, Path.Combine(target, "tokenizer.model"), overwrite: true);
    }

    private static Llama Load(ParseResult parse) =>
        Llama.Load(parse.GetValue(ModelOption)!, DTypeExtensions.Parse(parse.GetValue(DTypeOption)!), Device.Parse(parse.GetValue(DeviceOption)!));

    private static int[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException("no token ids given");
        return parts.Select(p => int.TryParse(p, out var v) ? v : throw new ArgumentException($"'{p}' is not a token id")).ToArray();
    }

    private static void CheckIds(int[] ids, Llama model)
    {
        foreach (var id in ids)
            if (id < 0 || id >= model.Config.VocabSize)
                throw new ArgumentException($"token id {id} is outside the vocabulary [0, {model.Config.VocabSize})");
    }
}
