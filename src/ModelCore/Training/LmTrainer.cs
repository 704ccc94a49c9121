using System.Diagnostics;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Plotting;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>Everything that defines a run; saved in trainer_state.json so a resume continues the same run.</summary>
public sealed record LmTrainerOptions
{
    public int Steps { get; init; } = 1000;
    /// <summary>Rows per micro-batch; the optimizer step sees BatchSize × Accumulation rows.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Training length R (tokens per row, targets are the next R).</summary>
    public int SequenceLength { get; init; } = 512;
    public int Accumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Cosine decay ends at LearningRate × MinLearningRateRatio.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;
    public double ClipNorm { get; init; } = 1.0;
    public ulong Seed { get; init; } = 1;
    /// <summary>bf16 autocast compute over fp32 master weights; false computes in fp32 (exactness tests).</summary>
    public bool Bf16 { get; init; } = true;
    public int LogEvery { get; init; } = 10;
    /// <summary>Copy-probe interval in steps; 0 = never.</summary>
    public int EvalEvery { get; init; } = 100;
    /// <summary>Checkpoint interval in steps; the last step is always saved.</summary>
    public int SaveEvery { get; init; } = 200;
    public double RetrievalFraction { get; init; }
    /// <summary>Share of natural-text copy samples, drawn before the retrieval mix (<see cref="TokenDataset.CopyFraction"/>).</summary>
    public double CopyFraction { get; init; }
    /// <summary>Share of repeat samples (P, marker, P, EOS), drawn after the text copies (<see cref="TokenDataset.RepeatFraction"/>).</summary>
    public double RepeatFraction { get; init; }
    /// <summary>Share of passkeys and copied numbers with a run of one digit (<see cref="TokenDataset.DigitRunFraction"/>).</summary>
    public double DigitRunFraction { get; init; }
    /// <summary>E²-LLM augmentation (g, sinks, offsets); null = plain positions 0..R−1.</summary>
    public E2LlmTrainingOptions? E2Llm { get; init; }
    public int CopyProbeSequences { get; init; } = 16;
    public int CopyProbeLength { get; init; } = 48;

    public void Validate()
    {
        if (Steps < 1 || BatchSize < 1 || SequenceLength < 1 || Accumulation < 1)
            throw new ArgumentException("steps, batch, sequence length and accumulation must be at least 1");
        if (WarmupSteps < 0 || LogEvery < 1 || EvalEvery < 0 || SaveEvery < 0)
            throw new ArgumentException("warmup, eval and save intervals must be non-negative, log interval at least 1");
        if (!(LearningRate > 0)) throw new ArgumentException("the learning rate must be positive");
        if (RetrievalFraction is < 0 or > 1) throw new ArgumentException("the retrieval fraction must lie in [0, 1]");
        foreach (var (fraction, name) in new[] { (CopyFraction, "copy"), (RepeatFraction, "repeat"), (DigitRunFraction, "digit-run") })
            if (fraction is < 0 or > 1 || double.IsNaN(fraction)) throw new ArgumentException($"the {name} fraction must lie in [0, 1]");
        if (E2Llm is { } e && e.TrainingLength != SequenceLength)
            throw new ArgumentException($"E²-LLM training length {e.TrainingLength} must equal the sequence length {SequenceLength}");
    }
}

/// <summary>One optimizer step as logged. Copy-probe values are NaN on steps without an evaluation.</summary>
public sealed record TrainStep(long Step, long Tokens, double Loss, double LearningRate, double GradNorm, double TokensPerSecond,
                               double CopyFirst, double CopySecond, int Scale);

/// <summary>
/// Causal-LM training of a Llama: fp32 master weights and AdamW moments, bf16 autocast compute, linear warmup
/// then cosine decay, global-norm clipping, gradient accumulation. Checkpoints (HF weights + optimizer state +
/// step) are written to a temporary folder and renamed, so a crash never leaves a half checkpoint; resume
/// restores them and continues bit-for-bit, because batches and E²-LLM draws are functions of (seed, step).
/// </summary>
public sealed class LmTrainer : IDisposable
{
    public const string StateJson = TrainingCheckpoints.StateJson;
    public const string StateTensors = TrainingCheckpoints.StateTensors;
    public const string LogFile = "train_log.csv";
    /// <summary>The loss curve, redrawn from the log at every checkpoint.</summary>
    public string PlotPath => Path.Combine(outDir, LossPlot.FileName);

    private readonly TokenDataset data;
    private readonly string outDir;
    private readonly Tensor[] parameters;
    private readonly AdamW optimizer;
    private readonly TrainingLog log;
    /// <summary>
    /// The model's config as this run saves it: an E²-LLM run adds what it trained for. Training draws its RoPE
    /// tables from it too, so a g applies the same way in training and at inference.
    /// </summary>
    private readonly LlamaConfig trainedConfig;

    public Llama Model { get; }
    public LmTrainerOptions Options { get; }
    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; private set; }
    public string CheckpointsDir => TrainingCheckpoints.Dir(outDir);

    private LmTrainer(Llama model, TokenDataset data, LmTrainerOptions options, string outDir)
    {
        options.Validate();
        Model = model;
        this.data = data;
        Options = options;
        this.outDir = outDir;
        if (model.DType != DType.Float32) throw new ArgumentException("training needs float32 master weights");
        trainedConfig = options.E2Llm is { } e ? model.Config with { E2Llm = E2LlmRecipe.TrainedFor(e) } : model.Config;
        try { trainedConfig.Validate("the fine-tuned config"); }
        catch (InvalidDataException error) { throw new ArgumentException(error.Message, error); }
        parameters = model.NamedParameters().Select(p => p.Value).ToArray();
        foreach (var p in parameters) p.RequiresGrad = true;
        optimizer = new AdamW(parameters, new AdamWOptions(options.LearningRate, options.Beta1, options.Beta2, options.Eps, options.WeightDecay));
        log = new TrainingLog(Path.Combine(outDir, LogFile), LogHeader);
    }

    /// <summary>A new run from a random model of <paramref name="config"/>, or from <paramref name="init"/> (fine-tuning).</summary>
    public static LmTrainer Start(LlamaConfig config, TokenDataset data, LmTrainerOptions options, string outDir, Llama? init = null)
    {
        var model = init ?? Llama.Random(config, options.Seed, DType.Float32);
        LmTrainer trainer;
        try { trainer = new LmTrainer(model, data, options, outDir); }   // refuses bad options before anything is written
        catch
        {
            if (init is null) model.Dispose();   // ours to free; an init model stays its caller's
            throw;
        }
        Directory.CreateDirectory(outDir);
        return trainer;
    }

    /// <summary>Continues the run in <paramref name="outDir"/> from its latest checkpoint, with that run's options.</summary>
    public static LmTrainer Resume(string outDir, TokenDataset data)
    {
        var checkpoint = LatestCheckpoint(outDir) ?? throw new IOException($"no checkpoint under {TrainingCheckpoints.Dir(outDir)}");
        var trainer = new LmTrainer(Llama.Load(checkpoint, DType.Float32), data, ReadOptions(checkpoint), outDir);
        trainer.Step = TrainingCheckpoints.RestoreOptimizer(checkpoint, trainer.optimizer);
        trainer.log.TruncateAfter(trainer.Step);
        return trainer;
    }

    /// <summary>The options a checkpoint's run was started with.</summary>
    public static LmTrainerOptions ReadOptions(string checkpoint) => TrainingCheckpoints.ReadOptions<LmTrainerOptions>(checkpoint);

    public static string? LatestCheckpoint(string outDir) => TrainingCheckpoints.Latest(outDir);

    /// <summary>Learning rate at optimizer step <paramref name="step"/> (0-based): linear warmup, then cosine to the floor.</summary>
    public double LearningRateAt(long step) =>
        LearningRateSchedule.WarmupCosine(step, Options.LearningRate, Options.WarmupSteps, Options.Steps, Options.MinLearningRateRatio);

    /// <summary>
    /// Trains until step <paramref name="stopAt"/> (default: the end), calling <paramref name="onStep"/> after every
    /// step. Checkpoints every SaveEvery steps and at the stop.
    /// </summary>
    public List<TrainStep> Run(long? stopAt = null, Action<TrainStep>? onStep = null)
    {
        var end = Math.Min(stopAt ?? Options.Steps, Options.Steps);
        var records = new List<TrainStep>();
        var tokensPerStep = (long)Options.BatchSize * Options.SequenceLength * Options.Accumulation;
        while (Step < end)
        {
            var watch = Stopwatch.StartNew();
            var (loss, scale) = TrainOneStep(out var gradNorm, out var lr);
            Step++;
            var seconds = watch.Elapsed.TotalSeconds;   // throughput of training alone, not of the probe
            double copyFirst = double.NaN, copySecond = double.NaN;
            if (Options.EvalEvery > 0 && (Step % Options.EvalEvery == 0 || Step == Options.Steps))
                (copyFirst, copySecond) = ProbeCopy();
            var record = new TrainStep(Step, Step * tokensPerStep, loss, lr, gradNorm, tokensPerStep / seconds,
                                       copyFirst, copySecond, scale);
            records.Add(record);
            if (Step % Options.LogEvery == 0 || !double.IsNaN(copyFirst) || Step == end) AppendLog(record);
            if ((Options.SaveEvery > 0 && Step % Options.SaveEvery == 0) || Step == end)
            {
                SaveCheckpoint();
                if (File.Exists(log.Path)) LossPlot.Write(log.Path, PlotPath);
            }
            onStep?.Invoke(record);
        }
        return records;
    }

    public CopyProbeResult ProbeCopyResult() =>
        CopyProbe.Measure(Model, CopyProbe.SpecialIds(Model.Config), Options.CopyProbeSequences, Options.CopyProbeLength, seed: 0, bf16: Options.Bf16);

    private (double, double) ProbeCopy()
    {
        var r = ProbeCopyResult();
        return (r.First, r.Second);
    }

    private (double Loss, int Scale) TrainOneStep(out double gradNorm, out double lr)
    {
        var o = Options;
        lr = LearningRateAt(Step);
        double loss = 0;
        var scale = 1;
        for (var micro = 0; micro < o.Accumulation; micro++)
        {
            using var scope = TensorScope.Begin();
            var rows = data.Batch(o.Seed, Step, micro, o.BatchSize, o.SequenceLength + 1);
            var batch = Tensor.From(rows, o.BatchSize, o.SequenceLength + 1).To(Model.Device);
            var input = batch.Narrow(1, 0, o.SequenceLength);
            var target = batch.Narrow(1, 1, o.SequenceLength).Reshape(-1);
            (var pos, var rope, scale) = PositionsFor(Step, micro);
            Tensor microLoss;
            using (o.Bf16 ? Autocast.Enable(DType.BFloat16) : new ModeRestorer(() => { }))
            {
                var logits = Model.Logits(Model.Forward(Model.Embed(input), pos, rope));   // float32 [B, R, V]
                microLoss = Functional.CrossEntropy(logits.Reshape(-1, Model.Config.VocabSize), target);
            }
            // Mean over micro-batches: the accumulated gradient equals that of one big batch.
            microLoss.Div(o.Accumulation).Backward();
            loss += microLoss.Item<float>();
        }
        gradNorm = GradientClipping.ClipByGlobalNorm(parameters, o.ClipNorm);
        optimizer.StepOnce(lr);
        optimizer.ZeroGrad();
        return (loss / o.Accumulation, scale);
    }

    /// <summary>
    /// One micro-batch's positions [B, R], its RoPE table, and its g (0 when rows differ): plain 0..R−1, or E²-LLM
    /// draws (g, sinks, offset t). The paper's draw is one per optimizer step, from an RNG seeded by (seed, step), so
    /// every micro-batch of a step draws the same. A per-row draw gives row i its own from (seed, step, micro, i); rows
    /// cannot share a RoPE table of one g then, so each row's ids are divided by its g here and the table stays at
    /// g = 1: the angle (m + t)/g · θ_j is the same either way.
    /// </summary>
    private (Tensor Positions, RopeParameters Rope, int Scale) PositionsFor(long step, int micro)
    {
        var B = Options.BatchSize;
        var R = Options.SequenceLength;
        (Tensor, RopeParameters, int) EveryRow(long[] ids, int g) =>
            (Tensor.From(ids, 1, R).Expand(B, R).To(Model.Device), RopeFrequencies.Compute(trainedConfig, (int)(ids[^1] + 1), g), g);
        if (Options.E2Llm is not { } e) return EveryRow(E2LlmPositions.Contiguous(0, R), 1);
        if (!e.DrawPerRow)
        {
            var drawn = E2LlmPositions.SampleTraining(new Random(TokenDataset.SampleSeed(Options.Seed, step, -1, -1)), e);
            return EveryRow(drawn.PositionIds, drawn.Scale);
        }
        var scaled = new float[B * R];
        long largest = 0;
        for (var i = 0; i < B; i++)
        {
            // Row streams are negative so they never meet TokenDataset's (step, micro, row ≥ 0) text streams.
            var sample = E2LlmPositions.SampleTraining(new Random(TokenDataset.SampleSeed(Options.Seed, step, micro, -2 - i)), e);
            sample.ScaledPositions().CopyTo(scaled, i * R);
            largest = Math.Max(largest, sample.PositionIds[^1]);
        }
        return (Tensor.From(scaled, B, R).To(Model.Device), RopeFrequencies.Compute(trainedConfig, (int)(largest + 1)), 0);
    }

    // ---- checkpoints and the log ----

    private void SaveCheckpoint() =>
        TrainingCheckpoints.Save(outDir, Step, Options.Seed, Options, optimizer, SaveModel);

    /// <summary>
    /// The model in HF layout. An E²-LLM run records the scale range it trained in config.json
    /// (<see cref="LlamaConfig.E2Llm"/>), so inference knows how far g may go.
    /// </summary>
    public void SaveModel(string directory)
    {
        Model.Save(directory);
        if (Options.E2Llm is not null)
            trainedConfig.Save(Path.Combine(directory, "config.json"));
    }


    private const string LogHeader = "step,tokens,loss,lr,grad_norm,tokens_per_s,copy_first,copy_second";

    private void AppendLog(TrainStep r) =>
        log.Append(r.Step, r.Tokens, r.Loss, r.LearningRate, r.GradNorm, r.TokensPerSecond, r.CopyFirst, r.CopySecond);

    public void Dispose()
    {
        optimizer.Dispose();
        Model.Dispose();
    }
}
