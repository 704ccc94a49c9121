using System.CommandLine;
using MemoryPlatform.ModelCore.Plotting;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// What every `memplat train` command built on <see cref="LmTrainer"/> shares: the corpus, run-folder and
/// optimizer options, resume, the progress line, and the final model save. A command adds its own options and
/// says how a new run starts; a resumed run takes its saved options whatever the command line says.
/// </summary>
internal sealed class TrainerCli
{
    public Option<string> Corpus { get; } = new("--corpus") { Description = "Corpus directory (train.txt, tokenizer.model)", Required = true };
    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "tokenizer.model (default: the corpus's)" };
    public Option<string> Output { get; } = new("--out") { Description = "Run directory (checkpoints/, train_log.csv, loss.svg, model/)", Required = true };
    public Option<int> Steps { get; }
    public Option<int> Batch { get; }
    public Option<double> LearningRate { get; }
    public Option<int> Warmup { get; }
    public Option<int> Accumulation { get; }
    public Option<ulong> Seed { get; }
    public Option<int> EvalEvery { get; }
    public Option<int> SaveEvery { get; }
    public Option<int> LogEvery { get; }
    public Option<double> Retrieval { get; }
    public Option<double> Copy { get; } = new("--copy-fraction")
    {
        Description = "Share of natural-text copy samples (text, P, text, P), drawn before the retrieval mix: what ICAE's frozen decoder reads slots with",
        DefaultValueFactory = _ => 0,
    };
    public Option<double> Repeat { get; } = new("--repeat-fraction")
    {
        Description = "Share of repeat samples (P, the <0x00> marker, P, EOS: ICAE's [slots][AE] → text layout in tokens), drawn after the text copies",
        DefaultValueFactory = _ => 0,
    };
    public Option<double> DigitRun { get; } = new("--digit-run-fraction")
    {
        Description = "Share of passkeys and copied numbers holding one digit 2-4 times in a row (84288, 99997): the keys a base misses",
        DefaultValueFactory = _ => 0,
    };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue the run in --out from its latest checkpoint (its saved options apply)" };

    public TrainerCli(LmTrainerOptions defaults, double retrievalFraction = 0.25)
    {
        Steps = new("--steps") { DefaultValueFactory = _ => defaults.Steps };
        Batch = new("--batch") { Description = "Rows per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        LearningRate = new("--lr") { DefaultValueFactory = _ => defaults.LearningRate };
        Warmup = new("--warmup") { DefaultValueFactory = _ => defaults.WarmupSteps };
        Accumulation = new("--accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.Accumulation };
        Seed = new("--seed") { DefaultValueFactory = _ => defaults.Seed };
        EvalEvery = new("--eval-every") { Description = "Copy-probe interval (0 = never)", DefaultValueFactory = _ => defaults.EvalEvery };
        SaveEvery = new("--save-every") { DefaultValueFactory = _ => defaults.SaveEvery };
        LogEvery = new("--log-every") { DefaultValueFactory = _ => defaults.LogEvery };
        Retrieval = new("--retrieval-fraction") { Description = "Share of retrieval-style samples (copy, key-value, passkey)", DefaultValueFactory = _ => retrievalFraction };
        foreach (var (option, name) in new[] { (Copy, "copy"), (Repeat, "repeat"), (DigitRun, "digit-run") })
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<double>() is var v && !(v is >= 0 and <= 1)) r.AddError($"the {name} fraction must lie in [0, 1], got {v}");
            });
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Corpus, Tokenizer, Output, Steps, Batch, LearningRate, Warmup, Accumulation, Seed, EvalEvery, SaveEvery, LogEvery, Retrieval, Copy, Repeat, DigitRun, Resume })
            command.Options.Add(o);
    }

    /// <summary>The shared options as given; the command sets the rest (sequence length, E²-LLM) with `with`.</summary>
    public LmTrainerOptions Read(ParseResult parse) => new()
    {
        Steps = parse.GetValue(Steps), BatchSize = parse.GetValue(Batch), LearningRate = parse.GetValue(LearningRate),
        WarmupSteps = parse.GetValue(Warmup), Accumulation = parse.GetValue(Accumulation), Seed = parse.GetValue(Seed),
        EvalEvery = parse.GetValue(EvalEvery), SaveEvery = parse.GetValue(SaveEvery), LogEvery = parse.GetValue(LogEvery),
        RetrievalFraction = parse.GetValue(Retrieval), CopyFraction = parse.GetValue(Copy), RepeatFraction = parse.GetValue(Repeat),
        DigitRunFraction = parse.GetValue(DigitRun),
    };

    /// <summary>
    /// Starts (<paramref name="start"/>: validated options and the data → a trainer) or resumes the run in --out, trains
    /// to the end with a progress line, then writes the model (and the tokenizer beside it) to --out/model.
    /// </summary>
    public void Execute(string name, ParseResult parse, Func<LmTrainerOptions> options, Func<LmTrainerOptions, TokenDataset, LmTrainer> start)
    {
        Torch.Threads = Environment.ProcessorCount;
        var outDir = parse.GetValue(Output)!;
        var corpus = parse.GetValue(Corpus)!;
        var trainFile = Path.Combine(corpus, "train.txt");
        var tokenizerPath = parse.GetValue(Tokenizer) ?? Path.Combine(corpus, "tokenizer.model");
        Console.Error.WriteLine($"memplat {name}: tokenizing {trainFile} (cached beside it)");
        // The sample mix is part of a run's options: a resumed run draws with its saved mix.
        TokenDataset Data(LmTrainerOptions o) =>
            TokenDataset.Load(trainFile, tokenizerPath, o.RetrievalFraction, o.CopyFraction, o.RepeatFraction, o.DigitRunFraction);
        LmTrainer trainer;
        TokenDataset data;
        if (parse.GetValue(Resume))
        {
            var checkpoint = LmTrainer.LatestCheckpoint(outDir) ?? throw new IOException($"--resume: no checkpoint under {outDir}/checkpoints");
            var saved = LmTrainer.ReadOptions(checkpoint);
            data = Data(saved);
            trainer = LmTrainer.Resume(outDir, data);
            Console.Error.WriteLine($"memplat {name}: resuming {checkpoint} at step {trainer.Step}");
        }
        else
        {
            var o = options();
            o.Validate();
            data = Data(o);
            trainer = start(o, data);
        }
        using (trainer)
        {
            Console.Error.WriteLine($"memplat {name}: {data.Tokens.Length:N0} training tokens, {trainer.Model.NamedParameters().Sum(p => p.Value.NumElements):N0} parameters");
            var total = trainer.Options.Steps;
            var startStep = trainer.Step;
            var progress = new TrainingProgress(startStep, total);
            TrainStep? last = null;
            string copy = "";
            trainer.Run(onStep: r =>
            {
                last = r;
                if (!double.IsNaN(r.CopyFirst)) copy = $" copy {r.CopyFirst:F2}/{r.CopySecond:F2}";
                var scale = trainer.Options.E2Llm switch { null => "", { DrawPerRow: true } => " g per row", _ => $" g {r.Scale}" };
                progress.Write(r.Step, $"loss {r.Loss:F4}{scale}", r.LearningRate, r.TokensPerSecond, copy);
            });
            Console.Error.WriteLine();
            var modelDir = Path.Combine(outDir, "model");
            trainer.SaveModel(modelDir);
            File.Copy(tokenizerPath, Path.Combine(modelDir, "tokenizer.model"), overwrite: true);
            if (last is not null)
                Console.WriteLine($"trained steps {startStep}..{last.Step} in {progress.Elapsed:hh\\:mm\\:ss}; final loss {last.Loss:F4}{copy}; model in {modelDir}, " +
                                  $"log in {Path.Combine(outDir, LmTrainer.LogFile)}, plot in {Path.Combine(outDir, LossPlot.FileName)}");
            else
                Console.WriteLine($"nothing to do: the run is already at step {trainer.Step} of {total}; model in {modelDir}");
        }
    }
}
