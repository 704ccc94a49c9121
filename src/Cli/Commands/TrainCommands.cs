using System.CommandLine;
using System.Diagnostics;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat train lm`: train a Llama-style model on a tokenized corpus, with checkpoints and exact resume.</summary>
public static class TrainCommands
{
    public static Command Create()
    {
        var train = new Command("train", "Train models");
        train.Subcommands.Add(Lm());
        return train;
    }

    private static Command Lm()
    {
        var config = new Option<string?>("--config") { Description = "Model config.json (HF layout); required unless --resume" };
        var corpus = new Option<string>("--corpus") { Description = "Corpus directory (train.txt)", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.model", Required = true };
        var output = new Option<string>("--out") { Description = "Run directory (checkpoints/, train_log.csv, model/)", Required = true };
        var defaults = new LmTrainerOptions();
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.Steps };
        var batch = new Option<int>("--batch") { Description = "Rows per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        var seq = new Option<int>("--seq") { Description = "Training length R", DefaultValueFactory = _ => defaults.SequenceLength };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => defaults.WarmupSteps };
        var accum = new Option<int>("--accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.Accumulation };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var evalEvery = new Option<int>("--eval-every") { Description = "Copy-probe interval (0 = never)", DefaultValueFactory = _ => defaults.EvalEvery };
        var saveEvery = new Option<int>("--save-every") { DefaultValueFactory = _ => defaults.SaveEvery };
        var logEvery = new Option<int>("--log-every") { DefaultValueFactory = _ => defaults.LogEvery };
        var retrieval = new Option<double>("--retrieval-fraction") { Description = "Share of retrieval-style samples (copy, key-value, passkey)", DefaultValueFactory = _ => 0.25 };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint (its saved options apply)" };
        var command = new Command("lm", "Train a causal LM (bf16 compute, fp32 master weights, AdamW, warmup + cosine)");
        foreach (var o in new Option[] { config, corpus, tokenizer, output, steps, batch, seq, lr, warmup, accum, seed, evalEvery, saveEvery, logEvery, retrieval, resume })
            command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("train lm", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var outDir = parse.GetValue(output)!;
            var trainFile = Path.Combine(parse.GetValue(corpus)!, "train.txt");
            var tokenizerPath = parse.GetValue(tokenizer)!;
            Console.Error.WriteLine($"memplat train lm: tokenizing {trainFile} (cached beside it)");
            LmTrainer trainer;
            TokenDataset data;
            if (parse.GetValue(resume))
            {
                var checkpoint = LmTrainer.LatestCheckpoint(outDir) ?? throw new IOException($"--resume: no checkpoint under {outDir}/checkpoints");
                var saved = LmTrainer.ReadOptions(checkpoint);
                data = TokenDataset.Load(trainFile, tokenizerPath, saved.RetrievalFraction);
                trainer = LmTrainer.Resume(outDir, data);
                Console.Error.WriteLine($"memplat train lm: resuming {checkpoint} at step {trainer.Step}");
            }
            else
            {
                var options = new LmTrainerOptions
                {
                    Steps = parse.GetValue(steps), BatchSize = parse.GetValue(batch), SequenceLength = parse.GetValue(seq),
                    LearningRate = parse.GetValue(lr), WarmupSteps = parse.GetValue(warmup), Accumulation = parse.GetValue(accum),
                    Seed = parse.GetValue(seed), EvalEvery = parse.GetValue(evalEvery), SaveEvery = parse.GetValue(saveEvery),
                    LogEvery = parse.GetValue(logEvery), RetrievalFraction = parse.GetValue(retrieval),
                };
                options.Validate();
                var configPath = parse.GetValue(config) ?? throw new ArgumentException("--config is required for a new run");
                var modelConfig = LlamaConfig.Load(configPath);
                data = TokenDataset.Load(trainFile, tokenizerPath, options.RetrievalFraction);
                trainer = LmTrainer.Start(modelConfig, data, options, outDir);
            }
            using (trainer)
            {
                Console.Error.WriteLine($"memplat train lm: {data.Tokens.Length:N0} training tokens, {trainer.Model.NamedParameters().Sum(p => p.Value.NumElements):N0} parameters");
                var total = trainer.Options.Steps;
                var startStep = trainer.Step;
                var watch = Stopwatch.StartNew();
                TrainStep? last = null;
                string copy = "";
                trainer.Run(onStep: r =>
                {
                    last = r;
                    if (!double.IsNaN(r.CopyFirst)) copy = $" copy {r.CopyFirst:F2}/{r.CopySecond:F2}";
                    var done = r.Step - startStep;
                    var eta = TimeSpan.FromSeconds(watch.Elapsed.TotalSeconds / done * (total - r.Step));
                    Console.Error.Write($"\rstep {r.Step}/{total} loss {r.Loss:F4} lr {r.LearningRate:G3} {r.TokensPerSecond:N0} tok/s{copy} ETA {eta:hh\\:mm\\:ss}   ");
                });
                Console.Error.WriteLine();
                var modelDir = Path.Combine(outDir, "model");
                trainer.Model.Save(modelDir);
                File.Copy(tokenizerPath, Path.Combine(modelDir, "tokenizer.model"), overwrite: true);
                if (last is not null)
                    Console.WriteLine($"trained steps {startStep}..{last.Step} in {watch.Elapsed:hh\\:mm\\:ss}; final loss {last.Loss:F4}{copy}; model in {modelDir}, log in {Path.Combine(outDir, LmTrainer.LogFile)}");
                else
                    Console.WriteLine($"nothing to do: the run is already at step {trainer.Step} of {total}; model in {modelDir}");
            }
        }));
        return command;
    }
}
