using System.CommandLine;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat tokenizer train`: SentencePiece BPE via Debian's spm_train.</summary>
public static class TokenizerCommands
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Tokenizer tools");
        command.Subcommands.Add(CreateTrain());
        return command;
    }

    private static Command CreateTrain()
    {
        var corpus = new Option<string>("--corpus") { Description = "Corpus directory (uses its train.txt)", Required = true };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size", DefaultValueFactory = _ => 4096 };
        var outFile = new Option<string>("--out") { Description = "Output FILE.model (FILE.vocab is written beside it)", Required = true };
        var sentences = new Option<int>("--input-sentence-size")
        {
            Description = "Lines sampled from train.txt for training", DefaultValueFactory = _ => 1_000_000,
        };
        var threads = new Option<int>("--threads") { Description = "spm_train threads", DefaultValueFactory = _ => 2 };
        var command = new Command("train", "Train a SentencePiece BPE tokenizer (byte fallback, Llama-style ids)");
        command.Options.Add(corpus);
        command.Options.Add(vocab);
        command.Options.Add(outFile);
        command.Options.Add(sentences);
        command.Options.Add(threads);
        command.SetAction(parseResult => CommandErrors.Run("tokenizer train", () =>
        {
            var options = new TokenizerTrainOptions
            {
                CorpusDir = parseResult.GetValue(corpus)!,
                OutModel = parseResult.GetValue(outFile)!,
                VocabSize = parseResult.GetValue(vocab),
                InputSentenceSize = parseResult.GetValue(sentences),
                Threads = parseResult.GetValue(threads),
            };
            var (commandLine, elapsed) = TokenizerTrainer.Train(options, Console.Error);
            Console.WriteLine($"model       {options.OutModel}");
            Console.WriteLine($"vocab size  {options.VocabSize}");
            Console.WriteLine($"seconds     {elapsed.TotalSeconds:F1}");
            Console.WriteLine($"command     {commandLine}");
        }));
        return command;
    }
}
