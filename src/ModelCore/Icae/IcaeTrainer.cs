using System.Diagnostics;
using MemoryPlatform.ModelCore.Plotting;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Icae;

public enum IcaeObjective
{
    /// <summary>λ·AE + (1 − λ)·LM on corpus text (ICAE §3.2).</summary>
    Pretrain,
    /// <summary>Answer loss given [slots][FT] prompt (ICAE §3.3).</summary>
    FineTune,
}

/// <summary>Everything that defines an ICAE run; saved in trainer_state.json so a resume continues the same run.</summary>
public sealed record IcaeTrainerOptions
{
    public IcaeObjective Objective { get; init; } = IcaeObjective.Pretrain;
    public int Steps { get; init; } = 1000;
    /// <summary>Samples per micro-batch; the optimizer step sees BatchSize × Accumulation samples.</summary>
    public int BatchSize { get; init; } = 4;
    public int Accumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-4;
    public double MinLearningRateRatio { get; init; } = 0.1;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    /// <summary>The paper clips at 2.0.</summary>
    public double ClipNorm { get; init; } = 2.0;
    public ulong Seed { get; init; } = 1;
    /// <summary>Frozen base in bf16 (trainable tensors stay float32); false computes in float32 (exactness tests).</summary>
    public bool Bf16 { get; init; } = true;
    public int LogEvery { get; init; } = 10;
    /// <summary>Checkpoint interval in steps; the last step is always saved.</summary>
    public int SaveEvery { get; init; } = 200;
    /// <summary>λ: weight of the AE loss against the LM loss in pretraining (the paper finds 0.4–0.6 best).</summary>
    public double Lambda { get; init; } = 0.5;
    /// <summary>Most spans in one sample (pretraining draws 2..MaxSpans for multi-span samples; fine-tuning truncates to it).</summary>
    public int MaxSpans { get; init; } = 4;
    /// <summary>Share of pretraining samples with more than one span.</summary>
    public double MultiSpanFraction { get; init; } = 0.25;
    /// <summary>Tokens of the LM objective's continuation.</summary>
    public int ContinuationLength { get; init; } = 128;
    /// <summary>
    /// Most tokens a single-span pretraining sample draws (null: span_length). A curriculum lever: short spans give the
    /// k slots more room per token, so the decoder learns to read them before it must read them compressed.
    /// </summary>
    public int? MaxContextTokens { get; init; }
    /// <summary>
    /// Share of single-span samples that MaxContextTokens caps (the rest draw up to span_length). Below 1 it mixes
    /// short spans, which keep what the slots learned at 1:1, with full spans at the 4× compression.
    /// </summary>
    public double ShortFraction { get; init; } = 1;
    /// <summary>
    /// μ: weight of the slot-alignment loss, taken beside every AE loss (ours, not the paper's; 0 = the paper's objectives alone). See
    /// <see cref="IcaeTrainer.SlotAlignmentLoss"/>.
    /// </summary>
    public double AlignWeight { get; init; }
    /// <summary>
    /// Alignment for spans longer than k too (ours): slot j of an n-token span pulls towards the sum of the embeddings
    /// of its share of the span, tokens ⌊j·n/k⌋ .. ⌊(j+1)·n/k⌋ − 1 (four tokens a slot at 512 → 128). Off, a span
    /// longer than k has no alignment target.
    /// </summary>
    public bool AlignPooled { get; init; }
    /// <summary>
    /// The AE loss as the mean of each span's own token mean (ours; off: the token mean of the batch, the paper's). A span
    /// drawn up to 512 tokens has four times a short one's tokens, so with ShortFraction 0.75 the token mean still gives
    /// the full spans 57 % of the AE loss; per span, a short span weighs as much as a full one.
    /// </summary>
    public bool AeLossPerSample { get; init; }
    /// <summary>
    /// Share of the AE loss's teacher-forced tokens replaced by a token drawn from elsewhere in the same span, the labels
    /// kept (ours; 0 = plain teacher forcing). Greedy reconstruction loops ("and the Hittites, and the Hittites, ...")
    /// once one token is wrong: the frozen decoder's copying follows its own prefix rather than the slots. A noisy
    /// prefix makes the slots, not the prefix, carry the next token, as word dropout does for a VAE's decoder
    /// (Bowman et al. 2016).
    /// </summary>
    public double AeInputNoise { get; init; }
    /// <summary>
    /// Fine-tuning only: weight of an AE loss on corpus spans beside the answer loss (ours; 0 = the paper's answer loss
    /// alone). Every micro-batch also autoencodes BatchSize single spans drawn as in pretraining (MaxContextTokens,
    /// ShortFraction and the alignment loss apply to them), so the slots learn to answer without unlearning to
    /// reconstruct: the platform encodes and answers with one adapter.
    /// </summary>
    public double AeWeight { get; init; }
    /// <summary>
    /// Fine-tuning only: weight of an LM loss on corpus spans beside the answer loss (ours; 0 = none). Every micro-batch
    /// also draws BatchSize full corpus spans and trains [slots] → the ContinuationLength tokens that follow (ICAE eq. 4).
    /// The answer loss alone, with or without kept AE spans, lets continuation from slots drift from what pretraining's
    /// LM objective taught (docs/results-icae.md, session 28: 1.19× the raw text's perplexity after an LM stage, 1.28×
    /// after 75 steps of the task fine-tune, 1.23× with LmWeight 1): the platform continues and answers with one adapter.
    /// </summary>
    public double LmWeight { get; init; }
    /// <summary>The base model directory, kept so a resume needs only the run directory.</summary>
    public string? BaseModelDir { get; init; }
    /// <summary>The corpus directory of the spans a fine-tune keeps (AeWeight or LmWeight &gt; 0), kept for a resume.</summary>
    public string? CorpusDir { get; init; }

    public void Validate()
    {
        if (Steps < 1 || BatchSize < 1 || Accumulation < 1 || MaxSpans < 1)
            throw new ArgumentException("steps, batch, accumulation and max spans must be at least 1");
        if (WarmupSteps < 0 || LogEvery < 1 || SaveEvery < 0)
            throw new ArgumentException("warmup and save intervals must be non-negative, log interval at least 1");
        if (!(LearningRate > 0)) throw new ArgumentException("the learning rate must be positive");
        if (Lambda is < 0 or > 1 || double.IsNaN(Lambda)) throw new ArgumentException($"λ must lie in [0, 1], found {Lambda}");
        if (MultiSpanFraction is < 0 or > 1) throw new ArgumentException("the multi-span fraction must lie in [0, 1]");
        if (AlignWeight < 0 || double.IsNaN(AlignWeight)) throw new ArgumentException($"the alignment weight must be non-negative, found {AlignWeight}");
        if (AlignPooled && AlignWeight == 0) throw new ArgumentException("pooled alignment (--align-pooled) needs an alignment weight (--align μ > 0)");
        if (ShortFraction is < 0 or > 1 || double.IsNaN(ShortFraction)) throw new ArgumentException($"the short-span fraction must lie in [0, 1], found {ShortFraction}");
        if (AeInputNoise is < 0 or >= 1 || double.IsNaN(AeInputNoise)) throw new ArgumentException($"the AE input noise must lie in [0, 1), found {AeInputNoise}");
        if (AeWeight < 0 || double.IsNaN(AeWeight)) throw new ArgumentException($"the AE weight must be non-negative, found {AeWeight}");
        if (AeWeight > 0 && Objective != IcaeObjective.FineTune)
            throw new ArgumentException("the AE weight applies to fine-tuning; pretraining weighs its AE loss by λ");
        if (LmWeight < 0 || double.IsNaN(LmWeight)) throw new ArgumentException($"the LM weight must be non-negative, found {LmWeight}");
        if (LmWeight > 0 && Objective != IcaeObjective.FineTune)
            throw new ArgumentException("the LM weight applies to fine-tuning; pretraining weighs its LM loss by 1 − λ");
        if (LmWeight > 0 && ContinuationLength < 1)
            throw new ArgumentException("the LM loss (an LM weight > 0) needs a continuation length of at least 1");
        if (MaxContextTokens < 1) throw new ArgumentException($"the most context tokens must be at least 1, found {MaxContextTokens}");
        if (Objective == IcaeObjective.Pretrain && Lambda < 1 && ContinuationLength < 1)
            throw new ArgumentException("the LM objective (λ < 1) needs a continuation length of at least 1");
    }
}

/// <summary>One optimizer step as logged. Losses that a step does not compute are NaN (base references: on log steps only).</summary>
public sealed record IcaeTrainStep(long Step, long ContextTokens, double Loss, double AeLoss, double LmLoss, double FtLoss,
                                   double BaseLoss, double BaseLmLoss, double LearningRate, double GradNorm, double TokensPerSecond,
                                   double AlignLoss = double.NaN);

/// <summary>
/// ICAE training (Ge et al. §3.2–3.3): only the LoRA and the memory table train (float32 master copies, AdamW), the
/// base stays frozen (bf16 compute). Pretraining minimises λ·AE + (1 − λ)·LM on every sample; fine-tuning the answer
/// loss. Schedule, checkpoints and the CSV log are LmTrainer's (<see cref="TrainingCheckpoints"/>); samples and the
/// dropout generator are functions of (seed, step, micro-batch, row), so a resume continues bit-for-bit.
/// </summary>
/// <remarks>
/// For reference, on log steps the base model's own losses on the same samples (first micro-batch) are logged:
/// pretraining: base_loss = the plain LM loss of the context text (what AE must beat for the slots to carry
/// anything) and base_lm_loss = the continuation given the raw context (the ceiling of the LM objective);
/// fine-tuning: base_loss = the answer given the raw context and prompt, and with LmWeight &gt; 0 base_lm_loss = the
/// kept spans' continuation given their raw text.
/// </remarks>
public sealed class IcaeTrainer : IDisposable
{
    public const string LogFile = "train_log.csv";
    private const string LogHeader = "step,context_tokens,loss,ae_loss,lm_loss,ft_loss,base_loss,base_lm_loss,lr,grad_norm,tokens_per_s,align_loss";

    private readonly IIcaeSamples data;
    /// <summary>Corpus spans a fine-tune keeps autoencoding or continuing (AeWeight or LmWeight &gt; 0), else null.</summary>
    private readonly IIcaeSamples? corpus;
    private readonly string outDir;
    private readonly Tensor[] parameters;
    private readonly AdamW optimizer;
    private readonly TrainingLog log;
    private readonly int eos;

    public IcaeModel Model { get; }
    public IcaeTrainerOptions Options { get; }
    /// <summary>The run's loss curves (<see cref="LossPlot"/>), redrawn at every checkpoint.</summary>
    public string PlotPath => Path.Combine(outDir, LossPlot.FileName);
    public long Step { get; private set; }

    private IcaeTrainer(IcaeModel model, IIcaeSamples data, IcaeTrainerOptions options, string outDir, IIcaeSamples? corpus)
    {
        options.Validate();
        var keepsCorpus = options.AeWeight > 0 || options.LmWeight > 0;
        if (keepsCorpus && corpus is null)
            throw new ArgumentException("a fine-tune that keeps the AE or LM loss (AeWeight or LmWeight > 0) needs corpus text (--corpus)");
        if (keepsCorpus && model.Config.DecoderLora)
            throw new ArgumentException("the raw-context reference has no encoder: it cannot keep an AE or LM loss");
        Model = model;
        this.data = data;
        this.corpus = keepsCorpus ? corpus : null;
        Options = options;
        this.outDir = outDir;
        eos = model.Base.Config.EosTokenIds.Count > 0
            ? model.Base.Config.EosTokenIds[0]
            : throw new ArgumentException("the base model's config.json names no eos_token_id; AE and answer targets end with EOS");
        parameters = model.TrainableParameters().Select(p => p.Value).ToArray();
        if (parameters.Any(p => p.DType != DType.Float32))
            throw new ArgumentException("training needs float32 LoRA and memory tensors (load the adapter with trainableDType: Float32)");
        foreach (var p in parameters) p.RequiresGrad = true;
        CheckWindow();
        optimizer = new AdamW(parameters, new AdamWOptions(options.LearningRate, options.Beta1, options.Beta2, options.Eps, options.WeightDecay));
        log = new TrainingLog(Path.Combine(outDir, LogFile), LogHeader);
    }

    /// <summary>
    /// A new run in <paramref name="outDir"/> training <paramref name="model"/>'s adapter (fresh, or pretrained for
    /// fine-tuning); <paramref name="corpus"/>: the spans a fine-tune with AeWeight or LmWeight &gt; 0 keeps
    /// autoencoding or continuing.
    /// </summary>
    public static IcaeTrainer Start(IcaeModel model, IIcaeSamples data, IcaeTrainerOptions options, string outDir, IIcaeSamples? corpus = null)
    {
        Directory.CreateDirectory(outDir);
        return new IcaeTrainer(model, data, options, outDir, corpus);
    }

    /// <summary>Continues the run in <paramref name="outDir"/> from its latest checkpoint, with that run's options.</summary>
    public static IcaeTrainer Resume(string outDir, IIcaeSamples data, string? modelDir = null, Device? device = null, IIcaeSamples? corpus = null)
    {
        var checkpoint = TrainingCheckpoints.Latest(outDir) ?? throw new IOException($"no checkpoint under {TrainingCheckpoints.Dir(outDir)}");
        var options = ReadOptions(checkpoint);
        var baseDir = modelDir ?? options.BaseModelDir ?? throw new ArgumentException($"{checkpoint}: the run does not name its base model; give it");
        var model = IcaeModel.Load(baseDir, checkpoint, options.Bf16 ? DType.BFloat16 : DType.Float32, device, trainableDType: DType.Float32);
        var trainer = new IcaeTrainer(model, data, options, outDir, corpus);
        trainer.Step = TrainingCheckpoints.RestoreOptimizer(checkpoint, trainer.optimizer);
        trainer.log.TruncateAfter(trainer.Step);
        return trainer;
    }

    public static IcaeTrainerOptions ReadOptions(string checkpoint) => TrainingCheckpoints.ReadOptions<IcaeTrainerOptions>(checkpoint);

    public double LearningRateAt(long step) =>
        LearningRateSchedule.WarmupCosine(step, Options.LearningRate, Options.WarmupSteps, Options.Steps, Options.MinLearningRateRatio);

    /// <summary>Trains until <paramref name="stopAt"/> (default: the end); checkpoints every SaveEvery steps and at the stop.</summary>
    public List<IcaeTrainStep> Run(long? stopAt = null, Action<IcaeTrainStep>? onStep = null)
    {
        var end = Math.Min(stopAt ?? Options.Steps, Options.Steps);
        var records = new List<IcaeTrainStep>();
        while (Step < end)
        {
            var watch = Stopwatch.StartNew();
            var lr = LearningRateAt(Step);
            var (losses, tokens, gradNorm) = TrainOneStep(lr);
            var seconds = watch.Elapsed.TotalSeconds;
            Step++;
            var (baseLoss, baseLmLoss) = Step % Options.LogEvery == 0 || Step == end ? BaseReference(Step - 1) : (double.NaN, double.NaN);
            var record = new IcaeTrainStep(Step, tokens, losses.Total, losses.Ae, losses.Lm, losses.Ft, baseLoss, baseLmLoss, lr, gradNorm, tokens / seconds,
                                           losses.Align);
            records.Add(record);
            if (Step % Options.LogEvery == 0 || Step == end)
                log.Append(record.Step, record.ContextTokens, record.Loss, record.AeLoss, record.LmLoss, record.FtLoss, record.BaseLoss,
                           record.BaseLmLoss, record.LearningRate, record.GradNorm, record.TokensPerSecond, record.AlignLoss);
            if ((Options.SaveEvery > 0 && Step % Options.SaveEvery == 0) || Step == end)
            {
                TrainingCheckpoints.Save(outDir, Step, Options.Seed, Options, optimizer, dir => Model.SaveAdapter(dir));
                if (File.Exists(log.Path)) LossPlot.Write(log.Path, PlotPath);
            }
            onStep?.Invoke(record);
        }
        return records;
    }

    private readonly record struct Losses(double Total, double Ae, double Lm, double Ft, double Align);

    private (Losses Losses, long Tokens, double GradNorm) TrainOneStep(double lr)
    {
        var o = Options;
        double total = 0, ae = 0, lm = 0, ft = 0, align = 0;
        long tokens = 0;
        var aligned = 0;
        for (var micro = 0; micro < o.Accumulation; micro++)
        {
            // LoRA dropout draws from libtorch's generator: seed it per micro-batch, so a resume repeats the masks.
            Torch.ManualSeed((ulong)TokenDataset.SampleSeed(o.Seed, Step, micro, -2));
            using var scope = TensorScope.Begin();
            var samples = Samples(Step, micro);
            var kept = KeptSamples(Step, micro);
            var continued = ContinuedSamples(Step, micro);
            tokens += samples.Sum(s => s.Context.Length) + kept.Sum(s => s.Context.Length) + continued.Sum(s => s.Context.Length);
            // A decoder-LoRA adapter (the raw-context reference) reads each context's token embeddings where slots go.
            var encoded = Model.Config.DecoderLora
                ? samples.Select(s => Model.RawContext(s.Context)).ToArray()
                : EncodeSamples([.. samples, .. kept, .. continued], training: true);
            var slots = encoded[..samples.Length];
            var loss = Tensor.Scalar(0);
            if (o.Objective == IcaeObjective.Pretrain)
            {
                // λ·AE + (1 − λ)·LM, both on every sample (ICAE eq. 3 and 4); a zero weight skips its pass.
                if (o.Lambda > 0) loss = loss + AutoEncodingLoss(samples, slots, o.Lambda, Noise(micro), ref ae, ref align, ref aligned);
                if (o.Lambda < 1) loss = loss + ContinuationLoss(samples, slots, 1 - o.Lambda, ref lm);
            }
            else
            {
                var ftLoss = AnswerLoss(samples, slots);
                ft += ftLoss.Item<float>();
                loss = loss + ftLoss;
                if (kept.Length > 0)
                    loss = loss + AutoEncodingLoss(kept, encoded[samples.Length..(samples.Length + kept.Length)], o.AeWeight, Noise(micro), ref ae, ref align, ref aligned);
                if (continued.Length > 0) loss = loss + ContinuationLoss(continued, encoded[(samples.Length + kept.Length)..], o.LmWeight, ref lm);
            }
            // Mean over micro-batches: the accumulated gradient equals that of one big batch.
            loss.Div(o.Accumulation).Backward();
            total += loss.Item<float>();
        }
        var gradNorm = GradientClipping.ClipByGlobalNorm(parameters, o.ClipNorm);
        optimizer.StepOnce(lr);
        optimizer.ZeroGrad();
        Model.AdapterChanged();
        double Mean(double sum, bool used) => used ? sum / o.Accumulation : double.NaN;
        var pretrain = o.Objective == IcaeObjective.Pretrain;
        return (new Losses(total / o.Accumulation, Mean(ae, pretrain ? o.Lambda > 0 : o.AeWeight > 0), Mean(lm, pretrain ? o.Lambda < 1 : o.LmWeight > 0), Mean(ft, !pretrain),
                           aligned > 0 ? align / aligned : double.NaN),
                tokens, gradNorm);
    }

    /// <summary>weight · LM loss ([slots] → the continuation, ICAE eq. 4); adds the unweighted value to the running sum.</summary>
    private Tensor ContinuationLoss(IcaeSample[] samples, Tensor[] slots, double weight, ref double lm)
    {
        var lmLoss = Model.DecoderLoss(slots.Select(s => IcaePrompt.Continue([s])).ToArray(), samples.Select(s => s.Continuation).ToArray());
        lm += lmLoss.Item<float>();
        return lmLoss.Mul(weight);
    }

    /// <summary>
    /// weight · AE loss ([slots][AE] → context EOS, ICAE eq. 3) plus μ · the alignment loss where a sample qualifies;
    /// adds the unweighted values to the running sums.
    /// </summary>
    private Tensor AutoEncodingLoss(IcaeSample[] samples, Tensor[] slots, double weight, Random noise, ref double ae, ref double align, ref int aligned)
    {
        var inputs = Options.AeInputNoise > 0 ? samples.Select(s => NoisyPrefix(s.Context, Options.AeInputNoise, noise)).ToArray() : null;
        var aeLoss = Model.DecoderLoss(slots.Select(s => IcaePrompt.AutoEncode(s)).ToArray(), samples.Select(s => (int[])[.. s.Context, eos]).ToArray(),
                                       perSample: Options.AeLossPerSample, inputs: inputs);
        ae += aeLoss.Item<float>();
        var loss = aeLoss.Mul(weight);
        if (Options.AlignWeight > 0 && SlotAlignmentLoss(Model, samples.Select(s => s.Context).ToArray(), slots, Options.AlignPooled) is { } alignLoss)
        {
            align += alignLoss.Item<float>();
            aligned++;
            loss = loss + alignLoss.Mul(Options.AlignWeight);
        }
        return loss;
    }

    /// <summary>
    /// The AE's teacher-forced tokens (the context; its EOS is only a label) with each replaced, with probability
    /// <paramref name="p"/>, by a token drawn from elsewhere in the same context: a wrong token of the kind greedy decoding makes.
    /// </summary>
    public static int[] NoisyPrefix(int[] context, double p, Random random)
    {
        var fed = (int[])context.Clone();
        for (var t = 0; t < fed.Length; t++)
            if (random.NextDouble() < p) fed[t] = context[random.Next(context.Length)];
        return fed;
    }

    /// <summary>The generator of micro-batch <paramref name="micro"/>'s AE input noise: a function of (seed, step, micro), so a resume repeats it.</summary>
    private Random Noise(int micro) => new(TokenDataset.SampleSeed(Options.Seed, Step, micro, -3));

    /// <summary>The answer loss given [slots][FT] prompt (ICAE §3.3), token-weighted over the batch.</summary>
    private Tensor AnswerLoss(IcaeSample[] samples, Tensor[] slots)
    {
        var prompts = slots.Select((s, i) => IcaePrompt.Ask([s], samples[i].Prompt)).ToArray();
        var answers = samples.Select(s => (int[])[.. s.Answer, eos]).ToArray();
        if (!Model.Config.DecoderLora) return Model.DecoderLoss(prompts, answers, training: true);
        // Raw contexts run from a hundred to thousands of positions: one decoder pass per sample, weighted by its answer
        // tokens, is the padded batch's token-weighted mean without padding every row to the longest context, and reads
        // each sample at the E²-LLM scale of its own length (a padded batch takes the longest row's).
        var answerTokens = answers.Sum(a => a.Length);
        var loss = Tensor.Scalar(0);
        for (var i = 0; i < samples.Length; i++)
            loss = loss + Model.DecoderLoss([prompts[i]], [answers[i]], training: true).Mul(answers[i].Length / (double)answerTokens);
        return loss;
    }

    /// <summary>
    /// The slot-alignment loss (ours; shared/reference/icae.md has only AE and LM): a one-span sample of n ≤ k
    /// tokens pulls its last n slots towards the directions of its own token embeddings, slot k − n + j towards token j.
    /// Right-aligned, the memory token that should carry token j sits exactly k positions after it whatever n is (one
    /// relative offset for the encoder to learn), and the aligned slots end where [AE] begins, the text-marker-text
    /// layout the decoder already copies from. A dense target for every slot, where the AE loss reaches the encoder
    /// only through the frozen decoder. Cosine distance, not MSE: slot norms follow the final norm, not the embeddings.
    /// With <paramref name="pooled"/>, a one-span sample of n &gt; k tokens pulls slot j towards the summed embeddings
    /// of tokens ⌊j·n/k⌋ .. ⌊(j+1)·n/k⌋ − 1 (at n = k both rules give slot j ↔ token j).
    /// <paramref name="slots"/>[i] is context i's slots [spans, k, d]. Returns the mean over aligned slots, or null when
    /// no context qualifies.
    /// </summary>
    public static Tensor? SlotAlignmentLoss(IcaeModel model, IReadOnlyList<int[]> contexts, IReadOnlyList<Tensor> slots, bool pooled = false)
    {
        var k = model.MemoryTokens;
        var pairs = contexts.Select((c, i) => (Tokens: c, Slots: slots[i]))
            .Where(p => p.Slots.Size(0) == 1 && (p.Tokens.Length <= k || pooled)).ToArray();
        if (pairs.Length == 0) return null;
        static Tensor Aligned(Tensor spanSlots, int n, int k) => n <= k ? spanSlots.Narrow(0, k - n, n) : spanSlots;   // the last n, or all k
        var x = Tensor.Cat(pairs.Select(p => Aligned(p.Slots.Select(0, 0), p.Tokens.Length, k)).ToArray()).To(DType.Float32);   // [N, d]
        var e = Tensor.Cat(pairs.Select(p => AlignmentTargets(model, p.Tokens)).ToArray());                  // [N, d], frozen
        var cosine = x.Mul(e).Sum(-1).Div(x.Pow(2).Sum(-1).Mul(e.Pow(2).Sum(-1)).Sqrt().Clamp(1e-12, null));   // [N]
        return cosine.Neg().Add(1).Mean();
    }

    /// <summary>
    /// The alignment targets of one span's aligned slots, float32 [min(n, k), d]: its token embeddings (n ≤ k), or each
    /// slot's share of them summed (n &gt; k), by a [k, n] matrix with P[j, t] = 1 where ⌊j·n/k⌋ ≤ t &lt; ⌊(j+1)·n/k⌋.
    /// </summary>
    private static Tensor AlignmentTargets(IcaeModel model, int[] tokens)
    {
        var device = model.Base.Device;
        var embedded = model.Base.Embed(Tensor.From(tokens.Select(t => (long)t).ToArray()).To(device)).To(DType.Float32);   // [n, d]
        int n = tokens.Length, k = model.MemoryTokens;
        if (n <= k) return embedded;
        var pool = new float[k * n];
        for (var j = 0; j < k; j++)
            for (var t = (int)((long)j * n / k); t < (int)((long)(j + 1) * n / k); t++) pool[j * n + t] = 1;
        return Tensor.From(pool, k, n).To(device).MatMul(embedded);
    }

    /// <summary>The samples of micro-batch <paramref name="micro"/> of step <paramref name="step"/>.</summary>
    private IcaeSample[] Samples(long step, int micro) => Draw(data, Options, step, micro, firstRow: 0);

    /// <summary>
    /// The corpus spans a fine-tune keeps autoencoding in micro-batch <paramref name="micro"/>: single spans drawn as
    /// pretraining's (rows after the task samples' own seeds); none unless AeWeight &gt; 0.
    /// </summary>
    private IcaeSample[] KeptSamples(long step, int micro) =>
        corpus is null || Options.AeWeight == 0 ? [] : Draw(corpus, Options with { MaxSpans = 1, MultiSpanFraction = 0, ContinuationLength = 0 }, step, micro, firstRow: Options.BatchSize);

    /// <summary>
    /// The corpus spans a fine-tune keeps continuing in micro-batch <paramref name="micro"/>: full single spans with
    /// their continuation, as `eval icae` measures it (rows after the kept AE spans' seeds); none unless LmWeight &gt; 0.
    /// </summary>
    private IcaeSample[] ContinuedSamples(long step, int micro) =>
        corpus is null || Options.LmWeight == 0 ? [] : Draw(corpus, Options with { MaxSpans = 1, MultiSpanFraction = 0, ShortFraction = 0 }, step, micro, firstRow: 2 * Options.BatchSize);

    /// <summary>BatchSize draws from <paramref name="source"/>, row i seeded by (seed, step, micro, i): a resume draws them again.</summary>
    private IcaeSample[] Draw(IIcaeSamples source, IcaeTrainerOptions options, long step, int micro, int firstRow) =>
        Enumerable.Range(firstRow, Options.BatchSize)
            .Select(i => source.Draw(new Random(TokenDataset.SampleSeed(Options.Seed, step, micro, i)), Model.Config, options)).ToArray();

    /// <summary>Every span of every sample in one encoder pass; returns each sample's slots [n_i, k, d].</summary>
    private Tensor[] EncodeSamples(IcaeSample[] samples, bool training)
    {
        var spans = samples.Select(s => Model.SplitSpans(s.Context)).ToArray();
        var slots = Model.EncodeSlots(spans.SelectMany(s => s).ToArray(), training);             // [Σ n_i, k, d]
        var offset = 0;
        var result = new Tensor[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            result[i] = slots.Narrow(0, offset, spans[i].Count);
            offset += spans[i].Count;
        }
        return result;
    }

    /// <summary>The base model's own losses on step <paramref name="step"/>'s first micro-batch (see the class remarks).</summary>
    private (double BaseLoss, double BaseLmLoss) BaseReference(long step)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var samples = Samples(step, 0);
        if (Options.Objective == IcaeObjective.FineTune)
            return (PlainLoss(samples.Select(s => (Tokens: (int[])[.. s.Context, .. s.Prompt, .. s.Answer, eos], From: s.Context.Length + s.Prompt.Length)).ToArray()),
                    ContinuationReference(ContinuedSamples(step, 0)));
        var text = samples.Where(s => s.Context.Length > 1).Select(s => (Tokens: s.Context, From: 1)).ToArray();
        return (text.Length > 0 ? PlainLoss(text) : double.NaN, ContinuationReference(samples));
    }

    /// <summary>The base model's loss on the samples' continuations given their raw context (NaN when none has one).</summary>
    private double ContinuationReference(IcaeSample[] samples)
    {
        var continuation = samples.Where(s => s.Continuation.Length > 0)
            .Select(s => (Tokens: (int[])[.. s.Context, .. s.Continuation], From: s.Context.Length)).ToArray();
        return continuation.Length > 0 ? PlainLoss(continuation) : double.NaN;
    }

    /// <summary>
    /// Mean next-token loss of the plain base model over tokens[From..] of each sequence (labels only, never the
    /// first token), keeping at most the base window's last positions.
    /// </summary>
    private double PlainLoss((int[] Tokens, int From)[] sequences)
    {
        var window = Model.Base.Config.MaxPositionEmbeddings;
        var cut = sequences.Select(s => s.Tokens.Length <= window ? s : (s.Tokens[^window..], Math.Max(1, s.From - (s.Tokens.Length - window)))).ToArray();
        var T = cut.Max(s => s.Item1.Length) - 1;
        var ids = new long[cut.Length * T];
        var labels = Enumerable.Repeat(-100L, cut.Length * T).ToArray();
        var keep = new bool[cut.Length * T];
        for (var b = 0; b < cut.Length; b++)
        {
            var (tokens, from) = cut[b];
            for (var j = 0; j < tokens.Length - 1; j++)
            {
                ids[b * T + j] = tokens[j];
                keep[b * T + j] = true;
                if (j + 1 >= from) labels[b * T + j] = tokens[j + 1];
            }
        }
        var device = Model.Base.Device;
        var x = Model.Base.Embed(Tensor.From(ids, cut.Length, T).To(device));                   // [B, T, d]
        var positions = Tensor.Arange(T).Unsqueeze(0).Expand(cut.Length, T).To(device);
        var hidden = Model.Base.Forward(x, positions, Model.Base.RopeFor(T), Tensor.From(keep, cut.Length, T).To(device));
        var logits = Model.Base.Logits(hidden).Reshape(-1, Model.Base.Config.VocabSize);        // [B·T, V]
        return Functional.CrossEntropy(logits, Tensor.From(labels).To(device)).Item<float>();
    }

    /// <summary>Refuses a run whose longest decoder sequence would not fit the base window (times the supported E²-LLM scale).</summary>
    private void CheckWindow()
    {
        var c = Model.Config;
        var o = Options;
        long limit = Model.MaxDecoderPositions;
        long slots = (long)o.MaxSpans * c.MemoryTokens;
        if (o.Objective == IcaeObjective.Pretrain)
        {
            if (c.DecoderLora)
                throw new ArgumentException("a decoder-LoRA adapter (the raw-context reference) has no encoder to pretrain: fine-tune it with `train icae-finetune --raw-context`");
            var longest = Math.Max(o.Lambda > 0 ? Model.InputLength(IcaeLayout.AutoEncode, slots, 0) + (long)o.MaxSpans * c.SpanLength : 0,
                                   o.Lambda < 1 ? Model.InputLength(IcaeLayout.Continue, slots, o.ContinuationLength - 1) : 0);
            if (longest > limit)
                throw new ArgumentException($"a {o.MaxSpans}-span sample needs {longest} decoder positions, more than the {limit} the base supports; " +
                                            "lower the max spans, the span length or the continuation length");
        }
        else if (data is IcaeFineTuneData ft)
        {
            var keptSpan = Model.InputLength(IcaeLayout.AutoEncode, c.MemoryTokens, 0) + c.SpanLength;
            if (o.AeWeight > 0 && keptSpan > limit)
                throw new ArgumentException($"a kept AE span needs {keptSpan} decoder positions, more than the {limit} the base supports");
            var continuedSpan = Model.InputLength(IcaeLayout.Continue, c.MemoryTokens, o.ContinuationLength - 1);
            if (o.LmWeight > 0 && continuedSpan > limit)
                throw new ArgumentException($"a kept LM span needs {continuedSpan} decoder positions, more than the {limit} the base supports; lower the continuation length");
            foreach (var (e, i) in ft.Examples.Select((e, i) => (e, i)))
            {
                var spans = Math.Min(o.MaxSpans, (e.Input.Length + c.SpanLength - 1) / c.SpanLength);
                var context = c.DecoderLora ? Math.Min(e.Input.Length, (long)o.MaxSpans * c.SpanLength) : (long)spans * c.MemoryTokens;
                var needed = Model.InputLength(IcaeLayout.FineTuned, context, e.Prompt.Length) + e.Answer.Length;
                if (needed > limit)
                    throw new ArgumentException($"fine-tuning example {i + 1} needs {needed} decoder positions, more than the {limit} the base supports");
            }
        }
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Model.Dispose();
    }
}
