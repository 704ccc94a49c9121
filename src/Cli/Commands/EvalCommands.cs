using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat eval ...`: model evaluations.</summary>
public static class EvalCommands
{
    public static Command Create()
    {
        var eval = new Command("eval", "Evaluate models");
        eval.Subcommands.Add(Copy());
        eval.Subcommands.Add(EvalLongContextCommands.Perplexity());
        eval.Subcommands.Add(EvalLongContextCommands.PasskeyRetrieval());
        eval.Subcommands.Add(EvalIcaeCommand.Create());
        eval.Subcommands.Add(EvalCompareCommand.Create());
        return eval;
    }

    private static Command Copy()
    {
        var model = new Option<string>("--model") { Description = "Model directory (config.json, model.safetensors, optional tokenizer.model)", Required = true };
        var sequences = new Option<int>("--sequences") { DefaultValueFactory = _ => 16 };
        var length = new Option<int>("--length") { DefaultValueFactory = _ => 48 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var scale = new Option<double>("--scale") { Description = "RoPE scale g the probe reads at (1 = the base window)", DefaultValueFactory = _ => 1.0 };
        var digits = new Option<bool>("--digits") { Description = "Draw the sequences from the tokenizer's digit pieces only (what passkeys are made of)" };
        var text = new Option<string?>("--text")
        {
            Description = "Copy windows of this held-out text file (documents split by <|doc|> lines) instead of random ids: the copying ICAE's decoder reads slots with",
        };
        var greedy = new Option<string?>("--greedy")
        {
            Description = "Also write each sequence out again greedily and score it by BLEU-4 and exact prefix (the ceiling of ICAE autoencoding): " +
                          "continue ([BOS] S S₀ → S₁..) | repeat (S <0x00> → S EOS, the layout of train --repeat-fraction)",
        };
        greedy.AcceptOnlyFromAmong("continue", "repeat");
        var json = new Option<bool>("--json") { Description = "Print {\"first\": x, \"second\": y, \"second_accuracy\": a} (with --greedy also greedy_bleu and greedy_prefix: median and mean)" };
        var command = new Command("copy", "Loss on the second copy of repeated sequences (random ids, or held-out text) vs the first");
        foreach (var o in new Option[] { model, sequences, length, seed, scale, digits, text, greedy, json }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("eval copy", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var dir = parse.GetValue(model)!;
            using var llama = Llama.Load(dir, DType.Float32);
            var excluded = CopyProbe.SpecialIds(llama.Config);
            // Control, unknown and byte pieces are no ordinary text: leave them out when the tokenizer says which they are.
            var tokenizerPath = Path.Combine(dir, "tokenizer.model");
            var tokenizer = File.Exists(tokenizerPath) ? SentencePieceTokenizer.Load(tokenizerPath) : null;
            List<int>? digitIds = null;
            if (tokenizer is not null)
            {
                digitIds = [];
                for (var id = 0; id < tokenizer.VocabSize; id++)
                {
                    var piece = tokenizer.IdToPiece(id);
                    if (id == tokenizer.UnkId || id == tokenizer.BosId || id == tokenizer.EosId || id == tokenizer.PadId ||
                        (piece.StartsWith("<0x") && piece.EndsWith('>'))) excluded.Add(id);
                    if (piece.Length == 1 && char.IsAsciiDigit(piece[0])) digitIds.Add(id);
                }
            }
            if (parse.GetValue(digits) && digitIds is not { Count: >= 2 })
                throw new ArgumentException($"--digits needs a tokenizer.model in {dir} with single-digit pieces");
            IReadOnlyList<int[]> drawn;
            if (parse.GetValue(text) is { } file)
            {
                if (parse.GetValue(digits)) throw new ArgumentException("--text and --digits are two sources of sequences; give one");
                if (tokenizer is null) throw new ArgumentException($"--text needs the model's tokenizer.model in {dir}");
                if (!File.Exists(file)) throw new FileNotFoundException($"--text: {file} does not exist");
                var heldOut = new HeldOutText(TokenDataset.SplitDocuments(File.ReadAllText(file)), s => tokenizer.Encode(s), parse.GetValue(seed));
                drawn = heldOut.Windows(parse.GetValue(sequences), parse.GetValue(length));
            }
            else
                drawn = CopyProbe.Draw(llama.Config, excluded, parse.GetValue(sequences), parse.GetValue(length), parse.GetValue(seed),
                                       parse.GetValue(digits) ? digitIds : null);
            var r = CopyProbe.MeasureText(llama, drawn, scale: parse.GetValue(scale));
            GreedyCopyResult? g = null;
            if (parse.GetValue(greedy) is { } layoutName)
            {
                var layout = layoutName == "repeat" ? GreedyCopyLayout.Repeat : GreedyCopyLayout.Continue;
                int? marker = null;
                if (layout == GreedyCopyLayout.Repeat)
                {
                    marker = (tokenizer is null ? null : TokenDataset.RepeatMarkerOf(tokenizer))
                             ?? throw new ArgumentException($"--greedy repeat needs a tokenizer.model in {dir} with the {TokenDataset.RepeatMarkerPiece} piece");
                }
                g = GreedyCopy.MeasureAsync(llama, drawn, layout, marker, parse.GetValue(scale)).GetAwaiter().GetResult();
            }
            if (parse.GetValue(json))
            {
                var fields = new Dictionary<string, object> { ["first"] = r.First, ["second"] = r.Second, ["second_accuracy"] = r.SecondAccuracy };
                if (g is not null)
                {
                    fields["greedy_bleu"] = new { median = g.Bleu.Median, mean = g.Bleu.Mean };
                    fields["greedy_prefix"] = new { median = g.ExactPrefix.Median, mean = g.ExactPrefix.Mean };
                }
                Console.WriteLine(JsonSerializer.Serialize(fields));
            }
            else
            {
                Console.WriteLine($"copy probe: first copy {r.First:F4}, second copy {r.Second:F4}, second-copy accuracy {r.SecondAccuracy:P1}");
                if (g is not null)
                    Console.WriteLine($"greedy copy ({parse.GetValue(greedy)}) of {drawn.Count} sequences: BLEU-4 median {g.Bleu.Median:F3} (mean {g.Bleu.Mean:F3}), " +
                                      $"exact prefix median {g.ExactPrefix.Median:F3} (mean {g.ExactPrefix.Mean:F3})");
            }
        }));
        return command;
    }
}
