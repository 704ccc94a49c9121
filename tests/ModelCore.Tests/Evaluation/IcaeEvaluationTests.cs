using System.Text.Json;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Tests.Training;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

/// <summary>
/// `eval icae` on the tiny random base of IcaeFixtures (window 256, k 4, span 8) with the character-level codec: a
/// random model scores near zero, so these tests check the shapes of the tables, that each condition really runs,
/// that the scoring credits exactly what the decoder says, and that bad inputs fail before any model runs.
/// </summary>
public class IcaeEvaluationTests
{
    private static readonly TextCodec Codec = new(TrainingFixtures.Encode, TrainingFixtures.Decode);

    private static readonly string[] Words =
        ["the", "pass", "key", "river", "stone", "light", "over", "under", "green", "house", "quiet", "road", "seven", "north", "field"];

    private static string Document(int seed, int words)
    {
        var random = new Random(seed);
        return string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)])) + ".";
    }

    private static IcaeTaskSample Sample(string task, int spans, string answer, int seed) =>
        new(string.Join('\n', Enumerable.Range(0, spans).Select(s => Document(seed * 31 + s, 4))), "What is it?", answer, task, spans, 0, 0, answer);

    /// <summary>A base in model/, adapters with k 4 and k 2 over it, a test split and a task file.</summary>
    private static IcaeEvalInputs Files(TempDirectory dir, int tasksPerBucket = 3)
    {
        using (var model = Model(seed: 21))
        {
            model.Base.Save(dir.File("model"));
            model.SaveAdapter(dir.File("k4"));
        }
        using (var model = IcaeModel.Create(Llama.Load(dir.File("model"), DType.Float32), Config(k: 2), seed: 22, encode: TrainingFixtures.Encode))
        {
            RandomizeB(model, 22);
            model.SaveAdapter(dir.File("k2"));
        }
        File.WriteAllText(dir.File("test.txt"), string.Join("\n<|doc|>\n", Enumerable.Range(0, 5).Select(i => Document(i, 60))) + "\n");
        var samples = Enumerable.Range(0, tasksPerBucket).SelectMany(i => new[] { Sample("passkey", 1, "12345", i), Sample("code", 2, "AB-1234", 100 + i) });
        IcaeTaskGenerator.WriteJsonl(dir.File("test.jsonl"), samples);
        return new IcaeEvalInputs(dir.File("model"), [dir.File("k4"), dir.File("k2")], dir.File("test.txt"), dir.File("test.jsonl"));
    }

    private static IcaeEvalOptions Small => new()
    {
        Samples = 2, AutoencodeLengths = [8, 16, 240], ContextMultiples = [1, 2], ContinuationTokens = 8, TaskSpans = [1, 2, 4],
        DType = DType.Float32, DecodeBatch = 2,
    };

    [Fact]
    public async Task Every_table_has_a_row_per_length_format_context_and_span_count_for_each_adapter()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir);
        var report = await IcaeEvaluation.RunAsync(inputs, Small, Codec);

        Assert.Equal([4, 2], report.Adapters.Select(a => a.MemoryTokens));
        foreach (var a in report.Adapters)
        {
            Assert.Equal(8, a.SpanLength);
            Assert.Equal(256, a.MaxDecoderPositions);

            // Autoencoding: lengths × {fp16, int8}; 16 tokens are 2 spans; 240 tokens (30 spans) do not fit 256 positions.
            Assert.Equal(6, a.Autoencoding.Count);
            Assert.Equal(["fp16", "int8", "fp16", "int8", "fp16", "int8"], a.Autoencoding.Select(r => r.Format));
            var sixteen = a.Autoencoding.Where(r => r.Tokens == 16).ToArray();
            Assert.All(sixteen, r => Assert.Equal((2, 2 * a.MemoryTokens, 2), (r.Spans, r.Slots, r.Passages)));
            Assert.Equal(SlotBlob.SizeOf(a.MemoryTokens, 64, SlotDType.Int8), sixteen[1].BlobBytesPerSpan);
            foreach (var r in a.Autoencoding.Where(r => r.Tokens < 240))
            {
                Assert.Null(r.Skipped);
                Assert.InRange(r.Bleu!.Median, 0, 1);
                Assert.InRange(r.ExactPrefix!.Mean, 0, 1);
                Assert.Equal(2, r.Bleu.Count);
            }
            Assert.All(a.Autoencoding.Where(r => r.Tokens == 240), r =>
            {
                Assert.Null(r.Bleu);
                Assert.Contains("decoder positions", r.Skipped);
            });

            // int8 against fp16 where both were scored: the drop in median BLEU the issue bounds.
            Assert.Equal([8, 16], a.Int8VsFp16.Select(c => c.Tokens));
            Assert.All(a.Int8VsFp16, c =>
            {
                Assert.Equal(c.Fp16MedianBleu - c.Int8MedianBleu, c.MedianBleuDrop);
                var (fp16, int8) = (a.Autoencoding.Single(r => r.Tokens == c.Tokens && r.Format == "fp16"), a.Autoencoding.Single(r => r.Tokens == c.Tokens && r.Format == "int8"));
                Assert.Equal(fp16.Bleu!.Mean - int8.Bleu!.Mean, c.MeanBleuDrop, 12);
                Assert.Equal(fp16.PassageBleu!.Zip(int8.PassageBleu!).Count(p => p.First != p.Second), c.PassagesChanged);
                Assert.True(c.MedianBleuDropLow <= c.MedianBleuDropHigh);
            });
            Assert.All(a.Autoencoding.Where(r => r.Tokens < 240), r => Assert.Equal(r.Bleu!.Median, Summary.Of(r.PassageBleu!).Median));

            // Continuation: one row per context multiple, both conditions scored; a random model is about as perplexed as
            // its vocabulary (101) is large.
            Assert.Equal([1, 2], a.Continuation.Select(r => r.Multiple));
            Assert.Equal([8, 16], a.Continuation.Select(r => r.ContextTokens));
            Assert.Equal([a.MemoryTokens, 2 * a.MemoryTokens], a.Continuation.Select(r => r.Slots));
            Assert.All(a.Continuation, r =>
            {
                Assert.InRange(r.RawPpl!.Value, 101 / 4.0, 101 * 4.0);
                Assert.InRange(r.SlotsPpl!.Value, 101 / 4.0, 101 * 4.0);
            });

            // Tasks: buckets by the file's span count; the 4-span bucket is empty.
            Assert.Equal([1, 2, 4], a.Tasks.Select(t => t.Spans));
            Assert.Equal([2, 2, 0], a.Tasks.Select(t => t.Samples));
            Assert.Equal([3, 3, 0], a.Tasks.Select(t => t.Available));
            Assert.All(a.Tasks.Take(2), t =>
            {
                Assert.Equal(2, t.WithSlots.Evaluated);
                Assert.Equal(2, t.WithRawContext.Evaluated);
                Assert.Equal(0, t.WithSlots.Correct);                                                // nobody guesses AB-1234 at random
                Assert.Equal(t.Samples, t.Outcomes.Count);
            });
            Assert.Null(a.Tasks[2].WithSlots.Accuracy);
        }

        // The whole report serializes (the CLI prints it with --json).
        Assert.Contains("\"Autoencoding\"", JsonSerializer.Serialize(report));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_report()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir) with { AdapterDirs = [dir.File("k4")] };
        var options = Small with { AutoencodeLengths = [8], TaskSpans = [1] };
        var first = await IcaeEvaluation.RunAsync(inputs, options, Codec);
        var second = await IcaeEvaluation.RunAsync(inputs, options, Codec);
        Assert.Equal(Numbers(first), Numbers(second));

        static string Numbers(IcaeEvalReport r) => JsonSerializer.Serialize(r.Adapters.Select(a => new { a.Autoencoding, a.Continuation, a.Tasks }));
    }

    /// <summary>The k 4 adapter of seed 23 over the base saved in <paramref name="dir"/>, whose EOS is made <paramref name="eos"/>.</summary>
    private static IcaeModel WithEos(TempDirectory dir, int eos)
    {
        if (!Directory.Exists(dir.File("model")))
            using (var m = Model(seed: 23)) m.Base.Save(dir.File("model"));
        var configPath = Path.Combine(dir.File("model"), "config.json");
        var json = File.ReadAllText(configPath);
        File.WriteAllText(configPath, System.Text.RegularExpressions.Regex.Replace(json, "\"eos_token_id\": \\d+", $"\"eos_token_id\": {eos}"));
        var model = IcaeModel.Create(Llama.Load(dir.File("model"), DType.Float32), Config(), seed: 23, encode: TrainingFixtures.Encode);
        RandomizeB(model, 23);
        return model;
    }

    [Fact]
    public async Task An_answer_is_right_exactly_when_the_decoder_says_it_and_each_condition_decodes_its_own_context()
    {
        using var dir = new TempDirectory();
        List<IcaeTaskSample> samples = [Sample("quote", 1, "unguessable", 1)];
        string said;
        using (var model = WithEos(dir, eos: 2))
        {
            var first = await IcaeTaskAccuracy.EvaluateAsync(model, Codec, samples, 1, 1, SlotDType.Float16, 8, 2);
            Assert.Equal((1, 0), (first.WithRawContext.Evaluated, first.WithRawContext.Correct));
            Assert.Equal(1, first.WithSlots.Evaluated);
            said = first.Outcomes[0].RawOutput!;
            // The conditions read different decoder inputs (slots vs the context's tokens), so a random model says different things.
            Assert.NotEqual(said, first.Outcomes[0].SlotsOutput);
        }

        // Make the raw condition's 4th-or-later new token the model's EOS: it now stops there, and an answer equal to what
        // it said before that point is right (greedy decoding does not depend on the stop token).
        var cut = Enumerable.Range(3, said.Length - 3).First(p => said[p] != '#' && said[..p].Trim().Length > 0 && !said[..p].Contains(said[p]));
        using (var model = WithEos(dir, eos: TrainingFixtures.Encode(said[cut].ToString())[0]))
        {
            List<IcaeTaskSample> echoed = [samples[0] with { Answer = said[..cut].Trim() }];
            var second = await IcaeTaskAccuracy.EvaluateAsync(model, Codec, echoed, 1, 1, SlotDType.Float16, 8, 2);
            Assert.Equal(said[..cut], second.Outcomes[0].RawOutput);
            Assert.Equal((1, 1), (second.WithRawContext.Evaluated, second.WithRawContext.Correct));
            Assert.Equal(1.0, second.RawByTask["quote"].Accuracy);
            Assert.Equal(second.Outcomes[0].SlotsOutput!.Trim() == echoed[0].Answer ? 1 : 0, second.WithSlots.Correct);
        }
    }

    [Fact]
    public async Task A_raw_context_reference_answers_the_raw_condition_and_only_there()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir);
        using (var r = IcaeModel.Create(Llama.Load(inputs.ModelDir, DType.Float32), Config() with { DecoderLora = true }, seed: 25, encode: TrainingFixtures.Encode))
        {
            RandomizeB(r, 25);
            r.SaveAdapter(dir.File("reference"));
        }
        using var model = IcaeModel.Load(inputs.ModelDir, inputs.AdapterDirs[0], DType.Float32);
        using var reference = IcaeModel.Load(inputs.ModelDir, dir.File("reference"), DType.Float32);
        List<IcaeTaskSample> samples = [Sample("quote", 1, "unguessable", 1)];

        var alone = await IcaeTaskAccuracy.EvaluateAsync(model, Codec, samples, 1, 1, SlotDType.Float16, 8, 2);
        var referenced = await IcaeTaskAccuracy.EvaluateAsync(model, Codec, samples, 1, 1, SlotDType.Float16, 8, 2, rawReference: reference);
        Assert.Equal(alone.Outcomes[0].SlotsOutput, referenced.Outcomes[0].SlotsOutput);
        // The raw condition is exactly the reference decoding [context][FT] prompt with its LoRA and [FT] row.
        using var context = reference.RawContext(Codec.Encode(samples[0].Input));
        var budget = Codec.Encode(samples[0].Answer).Length + IcaeTaskAccuracy.AnswerMargin;
        var direct = await reference.GenerateAllAsync([IcaePrompt.Ask([context], Codec.Encode(samples[0].Prompt))], new GenerationOptions { MaxTokens = budget });
        Assert.Equal(Codec.Decode(direct[0]), referenced.Outcomes[0].RawOutput);
        Assert.NotEqual(alone.Outcomes[0].RawOutput, referenced.Outcomes[0].RawOutput);

        // Each kind of adapter only where it belongs, refused before any model runs.
        var progress = new List<string>();
        var swapped = await Assert.ThrowsAsync<ArgumentException>(() =>
            IcaeEvaluation.RunAsync(inputs with { AdapterDirs = [dir.File("reference")] }, Small, Codec, progress.Add));
        Assert.Contains("--raw-reference", swapped.Message);
        var notReference = await Assert.ThrowsAsync<ArgumentException>(() =>
            IcaeEvaluation.RunAsync(inputs with { RawReferenceDir = inputs.AdapterDirs[0] }, Small, Codec, progress.Add));
        Assert.Contains("not a raw-context reference", notReference.Message);
        Assert.Empty(progress);
    }

    [Fact]
    public async Task Autoencoding_runs_fp16_and_int8_slots_and_int8_is_the_coarser_copy()
    {
        using var model = Model(seed: 24);
        int[][] passages = [Tokens(16, 1), Tokens(16, 2)];
        var results = await IcaeAutoencoding.EvaluateAsync(model, passages, [16], [SlotDType.Float16, SlotDType.Int8], 8, 2);
        Assert.Equal(["fp16", "int8"], results.Select(r => r.Format));
        Assert.True(results[1].BlobBytesPerSpan < results[0].BlobBytesPerSpan);

        using var scope = TensorScope.Begin();
        var slots = model.Encode(model.SplitSpans(passages[0]));
        var (fp16, _) = SlotRoundTrip.Apply(slots, SlotDType.Float16, model.Fingerprint);
        var (int8, _) = SlotRoundTrip.Apply(slots, SlotDType.Int8, model.Fingerprint);
        Assert.True(MaxAbsDiff(slots, int8) > MaxAbsDiff(slots, fp16));
    }

    [Fact]
    public async Task Autoencoding_with_min_tokens_writes_at_least_that_many_even_where_the_decoder_would_stop_at_once()
    {
        using var model = Model(seed: 24);
        int[][] passages = [Tokens(16, 1), Tokens(16, 2)];
        // Every token a stop but one: plain greedy ends each passage at once (BLEU 0); MinTokens 16 writes all 16.
        var stops = Enumerable.Range(0, model.Base.Config.VocabSize).Where(t => t != passages[0][0]).ToArray();
        var plain = await IcaeAutoencoding.EvaluateAsync(model, passages, [16], [SlotDType.Float16], 8, 2,
                                                         decoding: new GenerationOptions { StopTokens = stops });
        Assert.All(plain[0].PassageBleu!, b => Assert.Equal(0, b));
        // MinTokens 16: sixteen copies of the one token left, passage 0's first, so passage 0 starts right.
        var forced = await IcaeAutoencoding.EvaluateAsync(model, passages, [16], [SlotDType.Float16], 8, 2,
                                                          decoding: new GenerationOptions { StopTokens = stops, MinTokens = 16 });
        Assert.True(forced[0].PassageBleu![0] > 0);
        Assert.True(forced[0].ExactPrefix!.Mean > 0);
    }

    [Fact]
    public async Task Missing_files_are_named_before_any_model_runs()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir);
        var progress = new List<string>();

        async Task<Exception> Fails(IcaeEvalInputs bad) =>
            await Assert.ThrowsAnyAsync<Exception>(() => IcaeEvaluation.RunAsync(bad, Small, Codec, progress.Add));

        Assert.Contains("--model", (await Fails(inputs with { ModelDir = dir.File("nope") })).Message);
        Assert.Contains("config.json", (await Fails(inputs with { ModelDir = dir.File("k4") })).Message);
        Assert.Contains("--adapter", (await Fails(inputs with { AdapterDirs = [dir.File("k4"), dir.File("nope")] })).Message);
        Assert.Contains(IcaeConfig.FileName, (await Fails(inputs with { AdapterDirs = [dir.File("model")] })).Message);
        Assert.Contains("--file", (await Fails(inputs with { TestSplit = dir.File("nope.txt") })).Message);
        Assert.Contains("--tasks", (await Fails(inputs with { TasksFile = dir.File("nope.jsonl") })).Message);
        Assert.Contains("tokenizer.model", (await Assert.ThrowsAsync<FileNotFoundException>(() => IcaeEvaluation.RunAsync(inputs, Small))).Message);

        File.WriteAllText(dir.File("bad.jsonl"), "{\"input\": \"x\", \"prompt\": \"p\", \"answer\": \"a\", \"task\": \"code\", \"spans\": 1}\nnot json\n");
        var e = await Fails(inputs with { TasksFile = dir.File("bad.jsonl") });
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("bad.jsonl:2", e.Message);

        await Assert.ThrowsAsync<ArgumentException>(() => IcaeEvaluation.RunAsync(inputs, Small with { Samples = 0 }, Codec));
        var minTokens = await Assert.ThrowsAsync<ArgumentException>(() =>
            IcaeEvaluation.RunAsync(inputs, Small with { AutoencodeMinTokens = Small.AutoencodeLengths.Min() + 1 }, Codec));
        Assert.Contains("--min-tokens", minTokens.Message);
        Assert.Empty(progress);
    }

    [Fact]
    public async Task An_adapter_of_another_base_is_refused_before_any_adapter_is_evaluated()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir);
        using (var other = Model(seed: 99)) other.SaveAdapter(dir.File("other"));
        var progress = new List<string>();

        var second = await Assert.ThrowsAsync<InvalidDataException>(() =>
            IcaeEvaluation.RunAsync(inputs with { AdapterDirs = [dir.File("k4"), dir.File("other")] }, Small, Codec, progress.Add));
        Assert.Contains("other", second.Message);
        Assert.Contains("trained on base model", second.Message);
        Assert.DoesNotContain(progress, p => p.StartsWith("autoencoding", StringComparison.Ordinal));

        var first = await Assert.ThrowsAsync<InvalidDataException>(() =>
            IcaeEvaluation.RunAsync(inputs with { AdapterDirs = [dir.File("other")] }, Small, Codec));
        Assert.Contains("trained on base model", first.Message);
    }

    [Fact]
    public async Task Cancellation_stops_the_run()
    {
        using var dir = new TempDirectory();
        var inputs = Files(dir);
        using var cts = new CancellationTokenSource();
        var task = IcaeEvaluation.RunAsync(inputs, Small, Codec, line => cts.Cancel(), cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }
}
