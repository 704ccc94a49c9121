using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Tests.Training;
using Xunit.Abstractions;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class IcaeTrainerTests(ITestOutputHelper output)
{
    private static IcaeTrainerOptions Tiny(int steps) => new()
    {
        Steps = steps, BatchSize = 2, LearningRate = 1e-2, WarmupSteps = 2, LogEvery = 1, SaveEvery = 0, Seed = 7,
        MaxSpans = 3, MultiSpanFraction = 0.5, ContinuationLength = 6,
    };

    [Fact]
    public void Resume_continues_the_loss_curves_bit_for_bit() => OnOneThread(() =>
    {
        using var dir = new TempDirectory();
        var baseDir = SavedBase(dir);
        var config = Config() with { Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0 } };
        var data = new IcaePretrainData(TrainingFixtures.RepeatedText());
        var options = Tiny(6) with { Bf16 = false, Accumulation = 2, BaseModelDir = baseDir };
        IcaeModel Fresh() => IcaeModel.Create(Llama.Load(baseDir, DType.Float32), config, seed: 5);

        List<IcaeTrainStep> straight;
        using (var a = IcaeTrainer.Start(Fresh(), data, options, dir.File("a")))
            straight = a.Run();

        var b = dir.File("b");
        using (var first = IcaeTrainer.Start(Fresh(), data, options, b))
            Assert.Equal(3, first.Run(stopAt: 3).Count);
        List<IcaeTrainStep> resumed;
        using (var second = IcaeTrainer.Resume(b, data))
        {
            Assert.Equal(3, second.Step);
            resumed = second.Run();
        }

        Assert.Equal(6, straight.Count);
        Assert.Equal(straight.Skip(3).Select(r => (r.Loss, r.AeLoss, r.LmLoss, r.GradNorm)), resumed.Select(r => (r.Loss, r.AeLoss, r.LmLoss, r.GradNorm)));
        Assert.All(straight, r => Assert.True(double.IsFinite(r.AeLoss) && double.IsFinite(r.LmLoss) && double.IsNaN(r.FtLoss)));
        Assert.All(straight, r => Assert.True(double.IsFinite(r.BaseLoss) && double.IsFinite(r.BaseLmLoss)));
        static IEnumerable<string> Log(string run) =>
            File.ReadAllLines(Path.Combine(run, IcaeTrainer.LogFile)).Select(l => string.Join(',', l.Split(',').Take(8)));
        Assert.Equal(Log(dir.File("a")), Log(b));
        Assert.StartsWith("step,context_tokens,loss,ae_loss,lm_loss,ft_loss,base_loss,base_lm_loss", File.ReadLines(Path.Combine(b, IcaeTrainer.LogFile)).First());
        // The last checkpoint is a loadable adapter directory.
        using var trained = IcaeModel.Load(baseDir, Path.Combine(b, "checkpoints", "step-00000006"), DType.Float32);
        Assert.Equal(config.MemoryTokens, trained.MemoryTokens);
    });

    /// <summary>Runs <paramref name="body"/> on one libtorch thread: runs compared bit for bit need one reduction order.</summary>
    private static void OnOneThread(Action body)
    {
        var previousThreads = Torch.Threads;
        Torch.Threads = 1;
        try { body(); }
        finally { Torch.Threads = previousThreads; }
    }

    /// <summary>
    /// A tiny float32 base saved under <paramref name="dir"/>, for runs that must agree bit for bit: each loads it from
    /// disk, because Llama.Random draws from libtorch's global generator, which tests running in parallel share (their
    /// LoRA dropout is off for the same reason).
    /// </summary>
    private static string SavedBase(TempDirectory dir)
    {
        var baseDir = dir.File("base");
        using (var m = TinyModels.Random(seed: 3)) m.Save(baseDir);
        return baseDir;
    }

    [Fact]
    public void Pretraining_lowers_the_ae_loss_and_trains_only_the_adapter_and_the_memory_table()
    {
        using var dir = new TempDirectory();
        using var model = IcaeModel.Create(TinyModels.Random(seed: 4, dtype: DType.BFloat16), Config(), seed: 4);
        float[] baseBefore = model.Base.Blocks[0].Wq.ToArray<float>(), memoryBefore = model.MemoryEmbeddings.ToArray<float>();
        var options = Tiny(40) with { LearningRate = 5e-2, LogEvery = 10, MaxSpans = 1 };
        using var trainer = IcaeTrainer.Start(model, new IcaePretrainData(TrainingFixtures.RepeatedText()), options, dir.Path);
        var records = trainer.Run();
        double first = records.Take(3).Average(r => r.AeLoss), last = records.TakeLast(5).Average(r => r.AeLoss);
        output.WriteLine($"AE loss {first:F3} -> {last:F3}; LM {records[0].LmLoss:F3} -> {records[^1].LmLoss:F3}; base text loss {records[^1].BaseLoss:F3}");
        // A random frozen decoder barely reads its context, so the AE loss plateaus near 4.0 here (from about 4.6);
        // what this checks is that gradients reach the memory table and the LoRA through both passes.
        Assert.True(last < first - 0.3, $"AE loss {first} -> {last}");

        Assert.Equal(baseBefore, model.Base.Blocks[0].Wq.ToArray<float>());
        Assert.NotEqual(memoryBefore, model.MemoryEmbeddings.ToArray<float>());
        Assert.All(model.Adapter.Updates(), u => Assert.True(u.Lora.B.Abs().Max().Item<float>() > 0));
        Assert.Equal(1 + 4, File.ReadAllLines(Path.Combine(dir.Path, IcaeTrainer.LogFile)).Length);   // header + every 10th step
    }

    [Fact]
    public void Slot_alignment_is_zero_for_right_aligned_token_embeddings_and_skips_long_or_multi_span_samples()
    {
        using var model = Model(config: Config(k: 4, span: 8));
        using var scope = TensorScope.Begin();
        var d = model.HiddenSize;
        int[] three = [5, 9, 2];
        var embedded = model.Base.Embed(Tensor.From(three.Select(t => (long)t).ToArray()));                    // [3, d]
        var noise = Tensor.From(Enumerable.Range(0, d).Select(i => (float)Math.Sin(i)).ToArray(), 1, d);
        // Right-aligned (slot 1 + j carries token j), at any norm: cosine distance 0.
        var right = Tensor.Cat([noise, embedded.Mul(7)]).Unsqueeze(0);                                            // [1, 4, d]
        Assert.InRange(IcaeTrainer.SlotAlignmentLoss(model, [three], [right])!.Item<float>(), -1e-5f, 1e-5f);
        // Left-aligned, the same rows are compared with the wrong tokens.
        var left = Tensor.Cat([embedded, noise]).Unsqueeze(0);
        Assert.True(IcaeTrainer.SlotAlignmentLoss(model, [three], [left])!.Item<float>() > 0.2f);
        // More tokens than slots, or more than one span: nothing to align.
        Assert.Null(IcaeTrainer.SlotAlignmentLoss(model, [[1, 2, 3, 4, 5]], [right]));
        Assert.Null(IcaeTrainer.SlotAlignmentLoss(model, [three], [Tensor.Cat([right, right])]));
    }

    [Fact]
    public void Pooled_alignment_pulls_each_slot_towards_the_sum_of_its_share_of_a_long_span()
    {
        using var model = Model(config: Config(k: 4, span: 8));
        using var scope = TensorScope.Begin();
        int[] seven = [5, 9, 2, 7, 3, 8, 6];                                  // 7 tokens on 4 slots: shares {0} {1,2} {3,4} {5,6}
        var e = model.Base.Embed(Tensor.From(seven.Select(t => (long)t).ToArray())).To(DType.Float32);
        Tensor Sum(params int[] rows) => rows.Select(r => e.Narrow(0, r, 1)).Aggregate((a, b) => a.Add(b));
        var pooled = Tensor.Cat([Sum(0), Sum(1, 2), Sum(3, 4), Sum(5, 6)]).Mul(3).Unsqueeze(0);   // [1, 4, d], any norm
        Assert.InRange(IcaeTrainer.SlotAlignmentLoss(model, [seven], [pooled], pooled: true)!.Item<float>(), -1e-5f, 1e-5f);
        var shifted = Tensor.Cat([Sum(0, 1), Sum(2, 3), Sum(4, 5), Sum(6)]).Unsqueeze(0);
        Assert.True(IcaeTrainer.SlotAlignmentLoss(model, [seven], [shifted], pooled: true)!.Item<float>() > 0.05f);
        // Off by default; a short span is aligned token by token either way.
        Assert.Null(IcaeTrainer.SlotAlignmentLoss(model, [seven], [pooled]));
        int[] three = [5, 9, 2];
        var right = Tensor.Cat([e.Narrow(0, 6, 1), e.Narrow(0, 0, 3)]).Unsqueeze(0);
        Assert.Equal(IcaeTrainer.SlotAlignmentLoss(model, [three], [right])!.Item<float>(),
                     IcaeTrainer.SlotAlignmentLoss(model, [three], [right], pooled: true)!.Item<float>());
        Assert.Contains("--align", Assert.Throws<ArgumentException>(() => (Tiny(1) with { AlignPooled = true }).Validate()).Message);
    }

    [Fact]
    public void A_noisy_prefix_replaces_about_the_given_share_by_tokens_of_the_same_span_and_nothing_at_zero()
    {
        var context = Enumerable.Range(100, 4000).ToArray();
        Assert.Equal(context, IcaeTrainer.NoisyPrefix(context, 0, new Random(1)));
        var noisy = IcaeTrainer.NoisyPrefix(context, 0.2, new Random(1));
        Assert.Equal(context.Length, noisy.Length);
        Assert.All(noisy, t => Assert.InRange(t, 100, 4099));
        Assert.InRange(noisy.Where((t, i) => t != context[i]).Count(), 700, 900);   // 0.2 · 4000 = 800, less the rare draws of itself
        Assert.Equal(noisy, IcaeTrainer.NoisyPrefix(context, 0.2, new Random(1)));   // a function of the generator: a resume repeats it
        Assert.Equal(Enumerable.Range(100, 4000), context);                            // the sample itself is untouched
        Assert.Throws<ArgumentException>(() => (Tiny(1) with { AeInputNoise = 1 }).Validate());
        Assert.Throws<ArgumentException>(() => (Tiny(1) with { AeInputNoise = -0.1 }).Validate());
    }

    [Fact]
    public void Training_with_slot_alignment_lowers_the_alignment_loss_and_logs_it()
    {
        using var dir = new TempDirectory();
        using var model = IcaeModel.Create(TinyModels.Random(seed: 8, dtype: DType.BFloat16), Config(k: 8, span: 16), seed: 8);
        var options = Tiny(80) with { LearningRate = 5e-2, LogEvery = 10, MaxSpans = 1, MaxContextTokens = 8, Lambda = 1, AlignWeight = 10 };
        using var trainer = IcaeTrainer.Start(model, new IcaePretrainData(TrainingFixtures.RepeatedText()), options, dir.Path);
        var records = trainer.Run();
        double first = records.Take(3).Average(r => r.AlignLoss), last = records.TakeLast(5).Average(r => r.AlignLoss);
        output.WriteLine($"alignment loss {first:F3} -> {last:F3}; AE {records[0].AeLoss:F3} -> {records[^1].AeLoss:F3}");
        Assert.True(last < first - 0.1, $"alignment loss {first} -> {last}");
        var log = File.ReadAllLines(Path.Combine(dir.Path, IcaeTrainer.LogFile));
        var column = Array.IndexOf(log[0].Split(','), "align_loss");
        Assert.True(column >= 0, log[0]);
        Assert.Equal(records[^1].AlignLoss, double.Parse(log[^1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture), 1e-4);   // G6 in the log
        foreach (var weight in new[] { -1, double.NaN })
            Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => (options with { AlignWeight = weight }).Validate()).Message);
    }

    [Fact]
    public void Fine_tuning_learns_the_answers_of_a_pwc_jsonl_file()
    {
        using var dir = new TempDirectory();
        var jsonl = dir.File("train.jsonl");
        File.WriteAllLines(jsonl,
        [
            """{"input": "the cat sat on the mat", "prompt": "where?", "answer": "on the mat"}""",
            "",
            """{"input": "a dog ran in the park", "prompt": "who?", "answer": "a dog"}""",
        ]);
        var data = IcaeFineTuneData.Load(jsonl, TrainingFixtures.Encode);
        Assert.Equal(2, data.Examples.Count);
        Assert.Equal(TrainingFixtures.Encode("a dog"), data.Examples[1].Answer);

        var config = Config(span: 32) with { Chat = new ChatMarkers("[INST]", " [/INST]") };
        using var model = IcaeModel.Create(TinyModels.Random(seed: 6, dtype: DType.BFloat16), config, seed: 6, encode: TrainingFixtures.Encode);
        var options = Tiny(30) with { Objective = IcaeObjective.FineTune, LearningRate = 5e-2, LogEvery = 10 };
        using var trainer = IcaeTrainer.Start(model, data, options, dir.File("run"));
        var records = trainer.Run();
        double first = records.Take(3).Average(r => r.FtLoss), last = records.TakeLast(5).Average(r => r.FtLoss);
        output.WriteLine($"answer loss {first:F3} -> {last:F3}; base with full context {records[^1].BaseLoss:F3}");
        Assert.True(last < first - 0.5, $"answer loss {first} -> {last}");
        Assert.All(records, r => Assert.True(double.IsNaN(r.AeLoss) && double.IsNaN(r.LmLoss)));
    }

    [Fact]
    public void Fine_tuning_the_raw_context_reference_trains_its_decoder_lora_and_pretraining_it_is_refused()
    {
        using var dir = new TempDirectory();
        var data = TwoExamples();
        var config = Config(span: 32) with { DecoderLora = true };
        using var model = IcaeModel.Create(TinyModels.Random(seed: 6, dtype: DType.BFloat16), config, seed: 6, encode: TrainingFixtures.Encode);
        var options = Tiny(30) with { Objective = IcaeObjective.FineTune, LearningRate = 5e-2, LogEvery = 10 };
        using (var trainer = IcaeTrainer.Start(model, data, options, dir.File("run")))
        {
            var records = trainer.Run();
            double first = records.Take(3).Average(r => r.FtLoss), last = records.TakeLast(5).Average(r => r.FtLoss);
            output.WriteLine($"raw-context reference: answer loss {first:F3} -> {last:F3}");
            Assert.True(last < first - 0.5, $"answer loss {first} -> {last}");
            // B starts at zero: it is the decoder's LoRA that learned, not only the [FT] row.
            using var scope = TensorScope.Begin();
            Assert.Contains(model.Adapter.Updates(), u => u.Lora.B.Abs().Max().Item<float>() > 0);
        }

        using var again = IcaeModel.Create(TinyModels.Random(seed: 6, dtype: DType.BFloat16), config, seed: 6, encode: TrainingFixtures.Encode);
        var e = Assert.Throws<ArgumentException>(() =>
            IcaeTrainer.Start(again, new IcaePretrainData(TrainingFixtures.RepeatedText()), Tiny(1) with { MaxSpans = 1 }, dir.File("pretrain")));
        Assert.Contains("--raw-context", e.Message);
    }

    private static IcaeFineTuneData TwoExamples() => new(
    [
        new IcaeExample(TrainingFixtures.Encode("the cat sat on the mat"), TrainingFixtures.Encode("where?"), TrainingFixtures.Encode("on the mat")),
        new IcaeExample(TrainingFixtures.Encode("a dog ran in the park"), TrainingFixtures.Encode("who?"), TrainingFixtures.Encode("a dog")),
    ]);

    private static void AssertLearnsItsAnswers(List<IcaeTrainStep> records)
    {
        double first = records.Take(3).Average(r => r.FtLoss), last = records.TakeLast(5).Average(r => r.FtLoss);
        Assert.True(last < first - 0.5, $"answer loss {first} -> {last}");
    }

    /// <summary>Fine-tunes a fresh tiny adapter on <see cref="TwoExamples"/> in <paramref name="run"/>, then scores it without gradients.</summary>
    private static (List<IcaeTrainStep> Records, double Score) FineTuneAndScore(IcaeTrainerOptions options, IIcaeSamples corpus, string run, Func<IcaeModel, Tensor> score)
    {
        using var model = IcaeModel.Create(TinyModels.Random(seed: 9, dtype: DType.BFloat16), Config(span: 32), seed: 9, encode: TrainingFixtures.Encode);
        using var trainer = IcaeTrainer.Start(model, TwoExamples(), options, run, corpus);
        var records = trainer.Run();
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        return (records, score(model).Item<float>());
    }

    [Fact]
    public void A_fine_tune_that_keeps_the_ae_loss_reconstructs_better_than_one_without_and_learns_its_answers()
    {
        using var dir = new TempDirectory();
        var corpus = new IcaePretrainData(TrainingFixtures.RepeatedText());
        var options = Tiny(40) with { Objective = IcaeObjective.FineTune, LearningRate = 5e-2, LogEvery = 10, MaxSpans = 1 };
        // The AE loss after each fine-tune, on the same held-out spans.
        int[][] spans = [.. Enumerable.Range(0, 4).Select(i => corpus.Draw(new Random(1000 + i), Config(span: 32), options with { ShortFraction = 1 }).Context)];
        (List<IcaeTrainStep> Records, double Ae) FineTune(double aeWeight, string run) =>
            FineTuneAndScore(options with { AeWeight = aeWeight }, corpus, dir.File(run), model =>
            {
                var slots = model.EncodeSlots(spans, training: false);
                var eos = model.Base.Config.EosTokenIds[0];
                return model.DecoderLoss([.. spans.Select((_, i) => IcaePrompt.AutoEncode(slots.Narrow(0, i, 1)))], [.. spans.Select(s => (int[])[.. s, eos])]);
            });

        var (kept, keptAe) = FineTune(1, "kept");
        var (plain, plainAe) = FineTune(0, "plain");
        output.WriteLine($"AE loss after fine-tuning: kept {keptAe:F3}, answer loss alone {plainAe:F3}; answer loss kept {kept[0].FtLoss:F3} -> {kept[^1].FtLoss:F3}");
        Assert.True(keptAe < plainAe - 0.2, $"AE loss kept {keptAe}, without {plainAe}");
        AssertLearnsItsAnswers(kept);
        Assert.All(kept, r => Assert.True(double.IsFinite(r.AeLoss) && double.IsFinite(r.FtLoss) && double.IsNaN(r.LmLoss)));
        Assert.All(plain, r => Assert.True(double.IsNaN(r.AeLoss)));
        // The log's ae_loss column carries the kept loss.
        var log = File.ReadAllLines(Path.Combine(dir.File("kept"), IcaeTrainer.LogFile));
        // The log writes G6 (a loss of 4.157453 as 4.15745): a tolerance, since rounding both to 4 places can split a tie.
        Assert.Equal(kept[^1].AeLoss, double.Parse(log[^1].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture), 1e-4);
    }

    [Fact]
    public void A_fine_tune_that_keeps_the_lm_loss_continues_better_than_one_without_and_logs_the_raw_reference()
    {
        using var dir = new TempDirectory();
        var corpus = new IcaePretrainData(TrainingFixtures.RepeatedText());
        var options = Tiny(40) with { Objective = IcaeObjective.FineTune, LearningRate = 5e-2, LogEvery = 10, MaxSpans = 1 };
        // The continuation loss from slots after each fine-tune, on the same held-out full spans.
        var heldOut = Enumerable.Range(0, 4).Select(i => corpus.Draw(new Random(1000 + i), Config(span: 32), options with { MaxSpans = 1, MultiSpanFraction = 0, ShortFraction = 0 })).ToArray();
        (List<IcaeTrainStep> Records, double Lm) FineTune(double lmWeight, string run) =>
            FineTuneAndScore(options with { LmWeight = lmWeight }, corpus, dir.File(run), model =>
            {
                var slots = model.EncodeSlots([.. heldOut.Select(s => s.Context)], training: false);
                return model.DecoderLoss([.. heldOut.Select((_, i) => IcaePrompt.Continue([slots.Narrow(0, i, 1)]))], [.. heldOut.Select(s => s.Continuation)]);
            });

        var (kept, keptLm) = FineTune(1, "kept");
        var (plain, plainLm) = FineTune(0, "plain");
        output.WriteLine($"LM loss from slots after fine-tuning: kept {keptLm:F3}, answer loss alone {plainLm:F3}; answer loss kept {kept[0].FtLoss:F3} -> {kept[^1].FtLoss:F3}");
        Assert.True(keptLm < plainLm - 0.2, $"LM loss kept {keptLm}, without {plainLm}");
        AssertLearnsItsAnswers(kept);
        Assert.All(kept, r => Assert.True(double.IsFinite(r.LmLoss) && double.IsFinite(r.FtLoss) && double.IsNaN(r.AeLoss)));
        Assert.All(plain, r => Assert.True(double.IsNaN(r.LmLoss) && double.IsNaN(r.BaseLmLoss)));
        // On log steps the base model's continuation of the same spans from their raw text sits beside the slots' loss.
        Assert.All(kept.Where(r => r.Step % options.LogEvery == 0), r => Assert.True(double.IsFinite(r.BaseLmLoss)));
        var log = File.ReadAllLines(Path.Combine(dir.File("kept"), IcaeTrainer.LogFile));
        Assert.Equal(kept[^1].LmLoss, double.Parse(log[^1].Split(',')[4], System.Globalization.CultureInfo.InvariantCulture), 1e-4);
    }

    [Fact]
    public void A_fine_tune_that_keeps_the_ae_and_lm_losses_resumes_bit_for_bit_and_is_refused_without_a_corpus() => OnOneThread(() =>
    {
        using var dir = new TempDirectory();
        var baseDir = SavedBase(dir);
        var config = Config(span: 32) with { Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0 } };
        var corpus = new IcaePretrainData(TrainingFixtures.RepeatedText());
        var options = Tiny(4) with { Objective = IcaeObjective.FineTune, Bf16 = false, MaxSpans = 1, AeWeight = 0.5, LmWeight = 0.5, MaxContextTokens = 4, AlignWeight = 1, BaseModelDir = baseDir };
        IcaeModel Fresh() => IcaeModel.Create(Llama.Load(baseDir, DType.Float32), config, seed: 5);

        List<IcaeTrainStep> straight;
        using (var a = IcaeTrainer.Start(Fresh(), TwoExamples(), options, dir.File("a"), corpus))
            straight = a.Run();
        var b = dir.File("b");
        using (var first = IcaeTrainer.Start(Fresh(), TwoExamples(), options, b, corpus))
            first.Run(stopAt: 2);
        List<IcaeTrainStep> resumed;
        using (var second = IcaeTrainer.Resume(b, TwoExamples(), corpus: corpus))
            resumed = second.Run();
        Assert.Equal(straight.Skip(2).Select(r => (r.Loss, r.AeLoss, r.LmLoss, r.FtLoss, r.AlignLoss, r.GradNorm)),
                     resumed.Select(r => (r.Loss, r.AeLoss, r.LmLoss, r.FtLoss, r.AlignLoss, r.GradNorm)));
        Assert.All(straight, r => Assert.True(double.IsFinite(r.LmLoss)));
        Assert.All(straight, r => Assert.True(double.IsFinite(r.AlignLoss), "the kept spans of at most k tokens are aligned"));

        using var model = Fresh();
        Assert.Contains("--corpus", Assert.Throws<ArgumentException>(() => IcaeTrainer.Start(model, TwoExamples(), options, dir.File("c"))).Message);
        Assert.Contains("fine-tuning", Assert.Throws<ArgumentException>(() => (options with { Objective = IcaeObjective.Pretrain }).Validate()).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => (options with { AeWeight = -1 }).Validate()).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => (options with { LmWeight = -1 }).Validate()).Message);
        Assert.Contains("1 − λ", Assert.Throws<ArgumentException>(() => (options with { AeWeight = 0, Objective = IcaeObjective.Pretrain }).Validate()).Message);
        Assert.Contains("continuation length", Assert.Throws<ArgumentException>(() => (options with { ContinuationLength = 0 }).Validate()).Message);
        using var reference = IcaeModel.Create(Llama.Load(baseDir, DType.Float32), config with { DecoderLora = true }, seed: 5);
        Assert.Contains("no encoder", Assert.Throws<ArgumentException>(() => IcaeTrainer.Start(reference, TwoExamples(), options, dir.File("d"), corpus)).Message);
    });

    [Fact]
    public void Bad_fine_tuning_lines_are_named()
    {
        using var dir = new TempDirectory();
        string Error(params string[] lines)
        {
            File.WriteAllLines(dir.File("d.jsonl"), lines);
            return Assert.Throws<InvalidDataException>(() => IcaeFineTuneData.Load(dir.File("d.jsonl"), TrainingFixtures.Encode)).Message;
        }
        Assert.Contains(":2: field 'answer'", Error("""{"input": "x", "prompt": "p", "answer": "a"}""", """{"input": "x", "prompt": "p"}"""));
        Assert.Contains(":1: not valid JSON", Error("{input"));
        Assert.Contains(":1: field 'input' has no tokens", Error("""{"input": "", "prompt": "p", "answer": "a"}"""));
        Assert.Contains("no examples", Error(""));
    }

    [Fact]
    public void A_run_whose_samples_do_not_fit_the_base_window_is_refused()
    {
        using var dir = new TempDirectory();
        using var model = Model(config: Config(k: 16, span: 64));
        var e = Assert.Throws<ArgumentException>(() =>
            IcaeTrainer.Start(model, new IcaePretrainData(TrainingFixtures.RepeatedText()), Tiny(1) with { MaxSpans = 4 }, dir.Path));
        Assert.Contains("decoder positions", e.Message);
    }

    [Fact]
    public void Max_context_shortens_single_span_samples_only()
    {
        var options = Tiny(1) with { MaxSpans = 3, MultiSpanFraction = 0.5 };
        int[] Lengths(IcaeTrainerOptions o) => ContextLengths(o, 200);

        var full = Lengths(options);
        var curriculum = Lengths(options with { MaxContextTokens = 16 });

        Assert.Contains(full, n => n is > 16 and <= 64);
        Assert.All(curriculum, n => Assert.True(n <= 16 || n > 64, $"a single span of {n} tokens"));
        Assert.Contains(curriculum, n => n <= 16);
        // Multi-span samples keep their full spans: the same draws, the same lengths.
        Assert.Equal(full.Where(n => n > 64), curriculum.Where(n => n > 64));
        // Larger than the span, it changes nothing.
        Assert.Equal(full, Lengths(options with { MaxContextTokens = 1000 }));
        Assert.Contains("at least 1", Assert.Throws<ArgumentException>(() => (options with { MaxContextTokens = 0 }).Validate()).Message);
    }

    [Fact]
    public void A_short_fraction_caps_only_that_share_of_single_span_samples()
    {
        var options = Tiny(1) with { MaxSpans = 1, MaxContextTokens = 16 };
        int[] Lengths(IcaeTrainerOptions o) => ContextLengths(o, 400);

        Assert.All(Lengths(options), n => Assert.InRange(n, 1, 16));
        var mixed = Lengths(options with { ShortFraction = 0.5 });
        // Half capped at 16, half drawn from 1..64 (a quarter of which are 16 or shorter too): 5/8 at most 16.
        Assert.InRange(mixed.Count(n => n <= 16), 200, 300);
        Assert.Contains(mixed, n => n > 48);
        Assert.All(Lengths(options with { ShortFraction = 0 }), n => Assert.InRange(n, 1, 64));
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentException>(() => (options with { ShortFraction = 1.5 }).Validate()).Message);
    }

    /// <summary>Context lengths of <paramref name="count"/> pretraining draws (seeds 0..count − 1) for 64-token spans, k = 4.</summary>
    private static int[] ContextLengths(IcaeTrainerOptions options, int count)
    {
        var data = new IcaePretrainData(TrainingFixtures.RepeatedText());
        var config = Config(k: 4, span: 64);
        return [.. Enumerable.Range(0, count).Select(i => data.Draw(new Random(i), config, options).Context.Length)];
    }
}
