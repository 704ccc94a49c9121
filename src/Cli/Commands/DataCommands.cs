using System.CommandLine;
using System.Diagnostics;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tokenizer;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat data ...`: derived data sets built from the corpus.</summary>
public static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Build derived data sets from the corpus");
        data.Subcommands.Add(IcaeTasks());
        return data;
    }

    private static Command IcaeTasks()
    {
        var corpus = new Option<string>("--corpus") { Description = "Corpus directory (train.txt, test.txt, tokenizer.model)", Required = true };
        var output = new Option<string>("--out") { Description = "Directory for train.jsonl and test.jsonl", Required = true };
        var train = new Option<int>("--train") { Description = "Fine-tuning samples (from train.txt)", DefaultValueFactory = _ => 10000 };
        var test = new Option<int>("--test") { Description = "Test samples (from test.txt)", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var spansMax = new Option<int>("--spans-max") { Description = "Most 512-token spans in a multi-span sample", DefaultValueFactory = _ => 16 };
        var command = new Command("icae-tasks", "ICAE fine-tuning and test sets (PwC format: input, prompt, answer) with exact-match answers; see docs/icae-tasks.md");
        foreach (var o in new Option[] { corpus, output, train, test, seed, spansMax }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("data icae-tasks", () =>
        {
            var dir = parse.GetValue(corpus)!;
            var outDir = parse.GetValue(output)!;
            var tokenizer = SentencePieceTokenizer.Load(Path.Combine(dir, "tokenizer.model"));
            var options = new IcaeTaskOptions(MaxSpans: parse.GetValue(spansMax));
            Directory.CreateDirectory(outDir);
            // Train and test draw from different splits and different seeds: no shared context, no shared keys.
            foreach (var (split, file, count, splitSeed) in new[]
                     { ("train", "train.jsonl", parse.GetValue(train), parse.GetValue(seed)), ("test", "test.jsonl", parse.GetValue(test), parse.GetValue(seed) + 1) })
            {
                var watch = Stopwatch.StartNew();
                var documents = TokenDataset.SplitDocuments(File.ReadAllText(Path.Combine(dir, split + ".txt")));
                var generator = new IcaeTaskGenerator(documents, text => tokenizer.Encode(text).Length, options);
                var path = Path.Combine(outDir, file);
                var written = IcaeTaskGenerator.WriteJsonl(path, generator.Generate(count, splitSeed));
                Console.WriteLine($"{path}: {written} samples from {split}.txt in {watch.Elapsed.TotalSeconds:F0} s");
            }
        }));
        return command;
    }
}
