using System.CommandLine;
using System.Globalization;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat train lm`: train a Llama-style model on a tokenized corpus; `memplat train icae-pretrain | icae-finetune`:
/// train an ICAE adapter over a frozen base. All with checkpoints and exact resume.
/// </summary>
public static class TrainCommands
{
    public static Command Create()
    {
        var train = new Command("train", "Train models");
        train.Subcommands.Add(Lm());
        train.Subcommands.Add(TrainE2LlmCommand.Create());
        train.Subcommands.Add(IcaePretrain());
        train.Subcommands.Add(IcaeFinetune());
        return train;
    }

    private static Command Lm()
    {
        var config = new Option<string?>("--config") { Description = "Model config.json (HF layout); required unless --resume" };
        var shared = new TrainerCli(new LmTrainerOptions());
        var seq = new Option<int>("--seq") { Description = "Training length R", DefaultValueFactory = _ => new LmTrainerOptions().SequenceLength };
        var command = new Command("lm", "Train a causal LM (bf16 compute, fp32 master weights, AdamW, warmup + cosine)");
        command.Options.Add(config);
        shared.AddTo(command);
        command.Options.Add(seq);
        command.SetAction(parse => CommandErrors.Run("train lm", () => shared.Execute("train lm", parse,
            () =>
            {
                _ = parse.GetValue(config) ?? throw new ArgumentException("--config is required for a new run");
                return shared.Read(parse) with { SequenceLength = parse.GetValue(seq) };
            },
            (options, data) => LmTrainer.Start(LlamaConfig.Load(parse.GetValue(config)!), data, options, parse.GetValue(shared.Output)!))));
        return command;
    }

    // ---- ICAE ----

    private static Command IcaePretrain()
    {
        var model = new Option<string>("--model") { Description = "Base model directory (config.json, *.safetensors, tokenizer.model)", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "Corpus directory (train.txt)", Required = true };
        var output = new Option<string>("--out") { Description = "Run directory (checkpoints/, train_log.csv, adapter/)", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "Start from this adapter (e.g. from `memplat icae init`) instead of a fresh one" };
        var defaults = new IcaeTrainerOptions();
        var icae = new IcaeConfig();
        var lambda = new Option<double>("--lambda") { Description = "Weight of the AE loss against the LM loss", DefaultValueFactory = _ => defaults.Lambda };
        var span = new Option<int>("--span") { Description = "Tokens per span (fresh adapter)", DefaultValueFactory = _ => icae.SpanLength };
        var k = new Option<int>("--k") { Description = "Memory slots per span (fresh adapter)", DefaultValueFactory = _ => icae.MemoryTokens };
        var rank = new Option<int>("--rank") { Description = "LoRA rank (fresh adapter)", DefaultValueFactory = _ => icae.Lora.Rank };
        var alpha = new Option<double>("--alpha") { Description = "LoRA alpha (fresh adapter)", DefaultValueFactory = _ => icae.Lora.Alpha };
        var targets = new Option<string>("--targets") { Description = "LoRA target projections (fresh adapter)", DefaultValueFactory = _ => string.Join(',', icae.Lora.Targets) };
        var maxSpans = new Option<int>("--max-spans") { Description = "Most spans in a multi-span sample", DefaultValueFactory = _ => defaults.MaxSpans };
        var multiSpan = new Option<double>("--multi-span") { Description = "Share of multi-span samples", DefaultValueFactory = _ => defaults.MultiSpanFraction };
        var continuation = new Option<int>("--continuation") { Description = "Tokens of the LM objective's continuation", DefaultValueFactory = _ => defaults.ContinuationLength };
        var spans = SpanOptions(defaults);
        var decoderPrefix = DecoderPrefixOption();
        var rebase = RebaseOption();
        var command = new Command("icae-pretrain", "Pretrain an ICAE adapter: λ·AE + (1 − λ)·LM over a frozen base (bf16), LoRA and memory table in fp32");
        var shared = IcaeRunOptions(defaults);
        foreach (var o in new Option[] { model, corpus, output, adapter, lambda, span, k, rank, alpha, targets, maxSpans, multiSpan, continuation, decoderPrefix, rebase }
                     .Concat(spans.All).Concat(shared.All))
            command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("train icae-pretrain", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var modelDir = parse.GetValue(model)!;
            var outDir = parse.GetValue(output)!;
            var tokenizerPath = Path.Combine(modelDir, "tokenizer.model");
            if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{tokenizerPath} is needed to tokenize the corpus");
            var data = CorpusSpans("train icae-pretrain", parse.GetValue(corpus)!, tokenizerPath);
            IcaeTrainer trainer;
            if (parse.GetValue(shared.Resume))
                trainer = ResumeIcae(outDir, data, modelDir, parse, shared);
            else
            {
                var options = shared.Read(parse, defaults) with
                {
                    Objective = IcaeObjective.Pretrain, Lambda = parse.GetValue(lambda), MaxSpans = parse.GetValue(maxSpans),
                    MultiSpanFraction = parse.GetValue(multiSpan), ContinuationLength = parse.GetValue(continuation),
                    BaseModelDir = Path.GetFullPath(modelDir),
                };
                options = spans.Read(parse, options);
                options.Validate();
                var device = Device.Parse(parse.GetValue(shared.Device)!);
                var dtype = options.Bf16 ? DType.BFloat16 : DType.Float32;
                IcaeModel icaeModel;
                if (parse.GetValue(adapter) is string adapterDir)
                    icaeModel = IcaeModel.Load(modelDir, adapterDir, dtype, device, trainableDType: DType.Float32, configure: Overrides(parse, decoderPrefix, rebase));
                else
                {
                    var config = new IcaeConfig
                    {
                        MemoryTokens = parse.GetValue(k), SpanLength = parse.GetValue(span),
                        Lora = icae.Lora with
                        {
                            Rank = parse.GetValue(rank), Alpha = parse.GetValue(alpha),
                            Targets = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                        },
                        DecoderPrefix = parse.GetValue(decoderPrefix),
                    };
                    config.Validate("command line");
                    icaeModel = IcaeModel.Create(Llama.Load(modelDir, dtype, device), config, options.Seed, SentencePieceTokenizer.Load(tokenizerPath));
                }
                trainer = IcaeTrainer.Start(icaeModel, data, options, outDir);
            }
            RunIcae("train icae-pretrain", trainer, outDir, $"{data.Tokens.Tokens.Length:N0} training tokens");
        }));
        return command;
    }

    private static Command IcaeFinetune()
    {
        var model = new Option<string>("--model") { Description = "Base model directory (config.json, *.safetensors, tokenizer.model)", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "Pretrained adapter directory (with --raw-context: the adapter whose LoRA shape the reference takes); required unless --resume" };
        var dataFile = new Option<string>("--data") { Description = "JSONL in the PwC format: {\"input\", \"prompt\", \"answer\"} per line", Required = true };
        var output = new Option<string>("--out") { Description = "Run directory (checkpoints/, train_log.csv, adapter/)", Required = true };
        var defaults = new IcaeTrainerOptions { Objective = IcaeObjective.FineTune, LearningRate = 5e-5 };
        var maxSpans = new Option<int>("--max-spans") { Description = "Contexts keep their first max-spans spans", DefaultValueFactory = _ => defaults.MaxSpans };
        var rawContext = new Option<bool>("--raw-context")
        {
            Description = "Train the raw-context reference instead: a fresh LoRA of --adapter's shape in the decoder, which reads the raw context " +
                          "where slots go (what `eval icae --raw-reference` compares slots against)",
        };
        var corpus = new Option<string?>("--corpus") { Description = "Corpus directory (train.txt) of the AE spans --ae-weight keeps" };
        var aeWeight = new Option<double>("--ae-weight")
        {
            Description = "Weight of an AE loss on corpus spans beside the answer loss (0: the answer loss alone); keeps the slots' reconstruction. " +
                          "--max-context, --short-fraction and --align shape those spans",
            DefaultValueFactory = _ => defaults.AeWeight,
        };
        var lmWeight = new Option<double>("--lm-weight")
        {
            Description = $"Weight of an LM loss on full corpus spans beside the answer loss (0: none): [slots] → the next {defaults.ContinuationLength} " +
                          "tokens, so continuation from slots does not drift while the answers train",
            DefaultValueFactory = _ => defaults.LmWeight,
        };
        var spans = SpanOptions(defaults);
        var decoderPrefix = DecoderPrefixOption();
        var rebase = RebaseOption();
        var command = new Command("icae-finetune", "Fine-tune an ICAE adapter on (context, prompt, answer): answer loss given [slots][FT] prompt");
        var shared = IcaeRunOptions(defaults);
        foreach (var o in new Option[] { model, adapter, dataFile, output, maxSpans, rawContext, corpus, aeWeight, lmWeight, decoderPrefix, rebase }.Concat(spans.All).Concat(shared.All))
            command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("train icae-finetune", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var modelDir = parse.GetValue(model)!;
            var outDir = parse.GetValue(output)!;
            var tokenizerPath = Path.Combine(modelDir, "tokenizer.model");
            if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{tokenizerPath} is needed to tokenize the data");
            var tokenizer = SentencePieceTokenizer.Load(tokenizerPath);
            var data = IcaeFineTuneData.Load(parse.GetValue(dataFile)!, text => tokenizer.Encode(text));
            // The AE and LM spans a fine-tune keeps: from --corpus, or on a resume from the corpus the run was started with.
            IcaePretrainData? KeptSpans(IcaeTrainerOptions o) =>
                o.AeWeight > 0 || o.LmWeight > 0
                    ? CorpusSpans("train icae-finetune", parse.GetValue(corpus) ?? o.CorpusDir ?? throw new ArgumentException("--ae-weight and --lm-weight need --corpus"), tokenizerPath)
                    : null;
            IcaeTrainer trainer;
            if (parse.GetValue(shared.Resume))
                trainer = ResumeIcae(outDir, data, modelDir, parse, shared, KeptSpans);
            else
            {
                var adapterDir = parse.GetValue(adapter) ?? throw new ArgumentException("--adapter is required for a new run");
                var options = shared.Read(parse, defaults) with
                {
                    MaxSpans = parse.GetValue(maxSpans), BaseModelDir = Path.GetFullPath(modelDir), AeWeight = parse.GetValue(aeWeight),
                    LmWeight = parse.GetValue(lmWeight),
                    CorpusDir = parse.GetValue(corpus) is string c ? Path.GetFullPath(c) : null,
                };
                options = spans.Read(parse, options);
                options.Validate();
                var kept = KeptSpans(options);
                var dtype = options.Bf16 ? DType.BFloat16 : DType.Float32;
                var device = Device.Parse(parse.GetValue(shared.Device)!);
                // The reference gets the ICAE adapter's LoRA shape (rank, alpha, targets) and none of its weights.
                var icaeModel = parse.GetValue(rawContext)
                    ? IcaeModel.Create(Llama.Load(modelDir, dtype, device),
                                       Overrides(parse, decoderPrefix, rebase)(IcaeConfig.Load(Path.Combine(adapterDir, IcaeConfig.FileName)) with { DecoderLora = true, BaseModel = null }),
                                       options.Seed, tokenizer)
                    : IcaeModel.Load(modelDir, adapterDir, dtype, device, trainableDType: DType.Float32, configure: Overrides(parse, decoderPrefix, rebase));
                trainer = IcaeTrainer.Start(icaeModel, data, options, outDir, kept);
            }
            RunIcae("train icae-finetune", trainer, outDir, $"{data.Examples.Count:N0} examples");
        }));
        return command;
    }

    private static Option<string?> DecoderPrefixOption() => new("--decoder-prefix")
    {
        Description = "Text the decoder reads after BOS before the slots, in every layout (the adapter's decoder_prefix; e.g. \"Text:\" keeps " +
                      "the slots off the base's four attention-sink positions). Given with --adapter, it replaces the adapter's own",
    };

    private static Option<bool> RebaseOption() => new("--rebase")
    {
        Description = "Warm-start from an --adapter trained on another base of the same shape (e.g. the base it was trained on, trained " +
                      "further): its base fingerprint is not checked, and the run's adapter names --model",
    };

    /// <summary>
    /// An adapter's configuration with --decoder-prefix applied when given, and with its base fingerprint dropped under --rebase
    /// (the shapes are still checked against --model; saving names --model's fingerprint).
    /// </summary>
    private static Func<IcaeConfig, IcaeConfig> Overrides(ParseResult parse, Option<string?> decoderPrefix, Option<bool> rebase) => c =>
    {
        if (parse.GetValue(decoderPrefix) is { } prefix) c = c with { DecoderPrefix = prefix };
        return parse.GetValue(rebase) ? c with { BaseModel = null } : c;
    };

    /// <summary>How single-span AE samples are drawn: pretraining's, and the spans a fine-tune keeps (--ae-weight).</summary>
    private sealed record SpanOptionSet(Option<int?> MaxContext, Option<double> ShortFraction, Option<double> Align, Option<bool> AlignPooled,
                                        Option<bool> AePerSample, Option<double> AeInputNoise)
    {
        public Option[] All => [MaxContext, ShortFraction, Align, AlignPooled, AePerSample, AeInputNoise];

        public IcaeTrainerOptions Read(ParseResult parse, IcaeTrainerOptions options) => options with
        {
            MaxContextTokens = parse.GetValue(MaxContext), ShortFraction = parse.GetValue(ShortFraction), AlignWeight = parse.GetValue(Align),
            AlignPooled = parse.GetValue(AlignPooled), AeLossPerSample = parse.GetValue(AePerSample), AeInputNoise = parse.GetValue(AeInputNoise),
        };
    }

    private static SpanOptionSet SpanOptions(IcaeTrainerOptions d) => new(
        new Option<int?>("--max-context") { Description = "Most tokens of a single-span sample (default: the span length): short spans first, more slots per token" },
        new Option<double>("--short-fraction")
        {
            Description = "Share of single-span samples that --max-context caps (the rest draw full spans)", DefaultValueFactory = _ => d.ShortFraction,
        },
        new Option<double>("--align")
        {
            Description = "μ: weight of the slot-alignment loss (a span of n ≤ k tokens: its last n slots towards its token embeddings; 0: off)",
            DefaultValueFactory = _ => d.AlignWeight,
        },
        new Option<bool>("--align-pooled")
        {
            Description = "Align spans longer than k too: slot j towards the summed embeddings of its n/k tokens (with --align)",
        },
        new Option<bool>("--ae-per-sample")
        {
            Description = "Average the AE loss per span, not per token, so short spans weigh as much as full ones",
        },
        new Option<double>("--ae-input-noise")
        {
            Description = "Share of the AE's teacher-forced tokens replaced by other tokens of the same span (labels kept), so the slots, not the prefix, carry the next token",
            DefaultValueFactory = _ => d.AeInputNoise,
        });

    /// <summary>Pretraining samples from a corpus directory's train.txt, tokenized with the base's tokenizer (cached beside it).</summary>
    private static IcaePretrainData CorpusSpans(string name, string corpusDir, string tokenizerPath)
    {
        var trainFile = Path.Combine(corpusDir, "train.txt");
        Console.Error.WriteLine($"memplat {name}: tokenizing {trainFile} (cached beside it)");
        return new IcaePretrainData(TokenDataset.Load(trainFile, tokenizerPath));
    }

    /// <summary>The run options both ICAE commands share.</summary>
    private sealed record IcaeRunOptionSet(Option<int> Steps, Option<int> Batch, Option<int> Accum, Option<double> Lr, Option<int> Warmup,
                                           Option<double> ClipNorm, Option<ulong> Seed, Option<int> SaveEvery, Option<int> LogEvery,
                                           Option<bool> F32, Option<string> Device, Option<bool> Resume)
    {
        public Option[] All => [Steps, Batch, Accum, Lr, Warmup, ClipNorm, Seed, SaveEvery, LogEvery, F32, Device, Resume];

        public IcaeTrainerOptions Read(ParseResult parse, IcaeTrainerOptions defaults) => defaults with
        {
            Steps = parse.GetValue(Steps), BatchSize = parse.GetValue(Batch), Accumulation = parse.GetValue(Accum),
            LearningRate = parse.GetValue(Lr), WarmupSteps = parse.GetValue(Warmup), ClipNorm = parse.GetValue(ClipNorm),
            Seed = parse.GetValue(Seed), SaveEvery = parse.GetValue(SaveEvery), LogEvery = parse.GetValue(LogEvery), Bf16 = !parse.GetValue(F32),
        };
    }

    private static IcaeRunOptionSet IcaeRunOptions(IcaeTrainerOptions d) => new(
        new Option<int>("--steps") { DefaultValueFactory = _ => d.Steps },
        new Option<int>("--batch") { Description = "Samples per micro-batch", DefaultValueFactory = _ => d.BatchSize },
        new Option<int>("--accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => d.Accumulation },
        new Option<double>("--lr") { DefaultValueFactory = _ => d.LearningRate },
        new Option<int>("--warmup") { DefaultValueFactory = _ => d.WarmupSteps },
        new Option<double>("--clip") { Description = "Global gradient-norm clip", DefaultValueFactory = _ => d.ClipNorm },
        new Option<ulong>("--seed") { DefaultValueFactory = _ => d.Seed },
        new Option<int>("--save-every") { DefaultValueFactory = _ => d.SaveEvery },
        new Option<int>("--log-every") { Description = "Log interval (base-model reference losses are computed on log steps)", DefaultValueFactory = _ => d.LogEvery },
        new Option<bool>("--f32") { Description = "Compute in float32 instead of bf16" },
        new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" },
        new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint (its saved options apply)" });

    private static IcaeTrainer ResumeIcae(string outDir, IIcaeSamples data, string modelDir, ParseResult parse, IcaeRunOptionSet shared,
                                          Func<IcaeTrainerOptions, IIcaeSamples?>? aeData = null)
    {
        var checkpoint = TrainingCheckpoints.Latest(outDir) ?? throw new IOException($"--resume: no checkpoint under {TrainingCheckpoints.Dir(outDir)}");
        var trainer = IcaeTrainer.Resume(outDir, data, modelDir, Device.Parse(parse.GetValue(shared.Device)!), aeData?.Invoke(IcaeTrainer.ReadOptions(checkpoint)));
        Console.Error.WriteLine($"memplat: resuming {checkpoint} at step {trainer.Step}");
        return trainer;
    }

    /// <summary>Runs an ICAE trainer with a progress line on stderr, then writes the adapter to out/adapter.</summary>
    private static void RunIcae(string name, IcaeTrainer trainer, string outDir, string dataSummary)
    {
        using (trainer)
        {
            var trainable = trainer.Model.TrainableParameters().Sum(p => p.Value.NumElements);
            Console.Error.WriteLine($"memplat {name}: {dataSummary}, {trainable:N0} trainable parameters, k {trainer.Model.MemoryTokens}, span {trainer.Model.Config.SpanLength}");
            var total = trainer.Options.Steps;
            var startStep = trainer.Step;
            var progress = new TrainingProgress(startStep, total);
            IcaeTrainStep? last = null;
            var reference = "";
            trainer.Run(onStep: r =>
            {
                last = r;
                if (!double.IsNaN(r.BaseLoss)) reference = $" (base {r.BaseLoss:F3}{(double.IsNaN(r.BaseLmLoss) ? "" : $"/{r.BaseLmLoss:F3}")})";
                var losses = trainer.Options.Objective == IcaeObjective.Pretrain
                    ? $"loss {r.Loss:F4} ae {Loss(r.AeLoss)} lm {Loss(r.LmLoss)}"
                    : $"answer loss {r.FtLoss:F4}" + (double.IsNaN(r.AeLoss) ? "" : $" ae {Loss(r.AeLoss)}") + (double.IsNaN(r.LmLoss) ? "" : $" lm {Loss(r.LmLoss)}");
                progress.Write(r.Step, losses + reference, r.LearningRate, r.TokensPerSecond);
            });
            // An objective λ leaves out (λ = 0 or 1) is not computed: shown as "-", as the log's empty cell.
            static string Loss(double loss) => double.IsNaN(loss) ? "-" : loss.ToString("F4", CultureInfo.InvariantCulture);
            Console.Error.WriteLine();
            var adapterDir = Path.Combine(outDir, "adapter");
            trainer.Model.SaveAdapter(adapterDir);
            if (last is not null)
                Console.WriteLine($"trained steps {startStep}..{last.Step} in {progress.Elapsed:hh\\:mm\\:ss}; final loss {last.Loss:F4}; adapter in {adapterDir}, " +
                                  $"log in {Path.Combine(outDir, IcaeTrainer.LogFile)}, plot in {trainer.PlotPath}");
            else
                Console.WriteLine($"nothing to do: the run is already at step {trainer.Step} of {total}; adapter in {adapterDir}");
        }
    }
}
