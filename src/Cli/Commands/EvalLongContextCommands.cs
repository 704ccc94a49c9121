using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat eval ppl` and `memplat eval passkey`: the long-context evaluations of shared/reference/e2llm.md.</summary>
public static class EvalLongContextCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Perplexity()
    {
        var model = ModelOption();
        var file = new Option<string>("--file") { Description = "Split file (documents separated by <|doc|> lines) or a directory of .txt documents", Required = true };
        var lengths = LengthsOption();
        var scale = ScaleOption();
        var maxDocs = new Option<int?>("--max-docs") { Description = "Use the first N documents long enough for the longest length (default: all)" };
        var json = new Option<bool>("--json") { Description = "Print {\"protocol\": ..., \"results\": [{\"length\", \"ppl\", \"tokens\", \"scale\", \"documents\"}]}" };
        var command = new Command("ppl", "Perplexity against context length, one pass per document");
        foreach (var o in new Option[] { model, file, lengths, scale, maxDocs, json }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("eval ppl", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var dir = parse.GetValue(model)!;
            var ls = ParseLengths(parse.GetValue(lengths)!);
            var choice = ScaleChoice.Parse(parse.GetValue(scale)!);
            var tokenizer = TokenizerOf(dir);
            var docs = ModelCore.Evaluation.Perplexity.SelectDocuments(ModelCore.Evaluation.Perplexity.ReadDocuments(parse.GetValue(file)!),
                text => tokenizer.Encode(text, addBos: tokenizer.BosId >= 0), ls.Max(), parse.GetValue(maxDocs));
            if (docs.Count == 0) throw new InvalidDataException($"no document in {parse.GetValue(file)} has {ls.Max()} tokens");
            // fp32 weights under bf16 autocast: the numerics the model was trained with.
            using var llama = Llama.Load(dir, DType.Float32);
            var results = new List<PerplexityResult>();
            foreach (var length in ls)
            {
                var r = ModelCore.Evaluation.Perplexity.Measure(llama, docs, length, choice.Resolve(length, llama.Config));
                results.Add(r);
                if (!parse.GetValue(json)) Console.WriteLine($"length {r.Length,6}  g {r.Scale,3}  ppl {r.Ppl,10:F3}  ({r.Tokens:N0} tokens, {r.Documents} documents)");
            }
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { protocol = ModelCore.Evaluation.Perplexity.Protocol, scale = choice.ToString(), results }, Json));
        }));
        return command;
    }

    public static Command PasskeyRetrieval()
    {
        var model = ModelOption();
        var lengths = LengthsOption();
        var trials = new Option<int>("--trials") { DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var scale = ScaleOption();
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to decode after the question", DefaultValueFactory = _ => Passkey.DefaultMaxTokens };
        var json = new Option<bool>("--json") { Description = "Print {\"results\": [{\"length\", \"accuracy\", \"trials\", \"scale\", \"details\"}]}" };
        var command = new Command("passkey", "Passkey retrieval accuracy against prompt length (greedy decoding)");
        foreach (var o in new Option[] { model, lengths, trials, seed, scale, maxTokens, json }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("eval passkey", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var dir = parse.GetValue(model)!;
            var tokenizer = TokenizerOf(dir);
            var choice = ScaleChoice.Parse(parse.GetValue(scale)!);
            // bf16 weights, not autocast: see Passkey.Evaluate.
            using var llama = Llama.Load(dir, DType.BFloat16);
            var results = new List<PasskeyResult>();
            foreach (var length in ParseLengths(parse.GetValue(lengths)!))
            {
                var r = Passkey.Evaluate(llama, text => tokenizer.Encode(text), ids => tokenizer.Decode(ids), length,
                                         parse.GetValue(trials), parse.GetValue(seed), choice, parse.GetValue(maxTokens));
                results.Add(r);
                if (!parse.GetValue(json)) Console.WriteLine($"length {r.Length,6}  g {r.Scale,3}  accuracy {r.Accuracy:P0} of {r.Trials}");
            }
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { scale = choice.ToString(), results }, Json));
        }));
        return command;
    }

    private static Option<string> ModelOption() =>
        new("--model") { Description = "Model directory (config.json, model.safetensors, tokenizer.model)", Required = true };

    private static Option<string> LengthsOption() =>
        new("--lengths") { Description = "Comma-separated lengths in tokens, e.g. 512,1024,2048", Required = true };

    private static Option<string> ScaleOption() =>
        new("--scale") { Description = "auto (g = ceil(length / L), bounded by the trained max_scale), none (g = 1), or a fixed g", DefaultValueFactory = _ => "auto" };

    private static int[] ParseLengths(string text)
    {
        var lengths = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 2 ? n
                : throw new ArgumentException($"--lengths: '{s}' is not a length of at least 2 tokens"))
            .ToArray();
        return lengths.Length > 0 ? lengths : throw new ArgumentException("--lengths is empty");
    }

    private static SentencePieceTokenizer TokenizerOf(string modelDir)
    {
        var path = Path.Combine(modelDir, "tokenizer.model");
        return File.Exists(path) ? SentencePieceTokenizer.Load(path) : throw new FileNotFoundException($"{path} not found (the evaluations need the model's tokenizer)");
    }
}
