using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Tests.Training;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class IcaeDecoderTests
{
    private static Tensor Embed(IcaeModel model, params int[] ids) => model.Base.Embed(Tensor.From(ids.Select(i => (long)i).ToArray()));

    /// <summary>The base model's generator fed the embeddings directly.</summary>
    private static async Task<int[][]> Direct(IcaeModel model, Tensor input, GenerationOptions options)
    {
        var tokens = new List<int>();
        await foreach (var t in new Generator(model.Base).GenerateAsync([input], options)) tokens.Add(t.TokenId);
        return [tokens.ToArray()];
    }

    private static Tensor Row(IcaeModel model, int row) => model.MemoryEmbeddings.Narrow(0, row, 1);

    [Fact]
    public void Each_layout_builds_exactly_its_embedding_sequence()
    {
        using var model = Model(config: Config() with { SpecialRows = ["[FT]", "[AE]", "[LM]"] });
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var slots = model.Encode([Tokens(8, 1), Tokens(5, 2)]);                        // [2, k, d]
        Tensor s0 = slots.Select(0, 0), s1 = slots.Select(0, 1);
        int[] prompt = [10, 11, 12];
        Assert.Equal(5, model.Config.AeRow);                                           // k = 4, then [FT], [AE], [LM]
        Assert.Equal(4, model.Config.FtRow);

        var ae = model.DecoderInput(IcaePrompt.AutoEncode(s0, s1));
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([s0, s1, Row(model, 5)]), ae));

        var lm = model.DecoderInput(IcaePrompt.Continue([s0, s1]));
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([s0, s1]), lm));
        var lmText = model.DecoderInput(IcaePrompt.Continue([s0], prompt));
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([s0, Embed(model, prompt)]), lmText));

        var ft = model.DecoderInput(IcaePrompt.Ask([s0, s1], prompt));
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([s0, s1, Row(model, 4), Embed(model, prompt)]), ft));

        // A [spans, k, d] block is the same as its spans in order; the other order is not.
        Assert.Equal(0f, MaxAbsDiff(ae, model.DecoderInput(IcaePrompt.AutoEncode(slots))));
        Assert.True(MaxAbsDiff(ae, model.DecoderInput(IcaePrompt.AutoEncode(s1, s0))) > 1e-2);
        Assert.Throws<ArgumentException>(() => model.DecoderInput(new IcaePrompt([s0], IcaeLayout.AutoEncode, prompt)));
    }

    [Fact]
    public void The_fine_tuned_layout_is_wrapped_in_the_chat_markers()
    {
        var config = Config() with { Chat = new ChatMarkers("[INST]", " [/INST]") };
        using var model = Model(config: config);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        Assert.Equal([1, .. TrainingFixtures.Encode("[INST]")], model.ChatPrefixIds);   // BOS first
        Assert.Equal(TrainingFixtures.Encode(" [/INST]"), model.ChatSuffixIds);
        var slots = model.Encode([Tokens(4, 1)]).Select(0, 0);
        int[] prompt = [20, 21];
        var expected = Tensor.Cat([Embed(model, model.ChatPrefixIds), slots, Row(model, model.Config.FtRow), Embed(model, prompt), Embed(model, model.ChatSuffixIds)]);
        Assert.Equal(0f, MaxAbsDiff(expected, model.DecoderInput(IcaePrompt.Ask([slots], prompt))));
        // Markers belong to the fine-tuned layout only.
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([slots, Row(model, model.Config.AeRow)]), model.DecoderInput(IcaePrompt.AutoEncode(slots))));
    }

    [Fact]
    public void A_decoder_prefix_comes_first_in_every_layout_and_counts_in_the_input_length()
    {
        var config = Config() with { DecoderPrefix = "Text:", Chat = new ChatMarkers("[INST]", " [/INST]") };
        using var model = Model(config: config);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        Assert.Equal([1, .. TrainingFixtures.Encode("Text:")], model.DecoderPrefixIds);   // BOS first
        var slots = model.Encode([Tokens(4, 1)]).Select(0, 0);
        int[] prompt = [20, 21];
        var prefix = Embed(model, model.DecoderPrefixIds);
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([prefix, slots, Row(model, model.Config.AeRow)]), model.DecoderInput(IcaePrompt.AutoEncode(slots))));
        Assert.Equal(0f, MaxAbsDiff(Tensor.Cat([prefix, slots, Embed(model, prompt)]), model.DecoderInput(IcaePrompt.Continue([slots], prompt))));
        var ask = Tensor.Cat([prefix, Embed(model, model.ChatPrefixIds), slots, Row(model, model.Config.FtRow), Embed(model, prompt), Embed(model, model.ChatSuffixIds)]);
        Assert.Equal(0f, MaxAbsDiff(ask, model.DecoderInput(IcaePrompt.Ask([slots], prompt))));
        // InputLength counts what DecoderInput builds, in every layout.
        foreach (var p in new[] { IcaePrompt.AutoEncode(slots), IcaePrompt.Continue([slots], prompt), IcaePrompt.Ask([slots], prompt) })
            Assert.Equal(model.DecoderInput(p).Size(0), model.InputLength(p.Layout, slots.Size(0), p.Prompt?.Length ?? 0));
    }

    [Fact]
    public async Task Generation_decodes_the_layout_with_the_plain_base_model_and_batches()
    {
        using var model = Model(seed: 4);
        var options = new GenerationOptions { MaxTokens = 6, StopTokens = [] };
        Tensor slots;
        using (var scope = TensorScope.Begin()) slots = TensorScope.Escape(model.Encode([Tokens(8, 1), Tokens(2, 2)]));
        using var _ = slots;
        IcaePrompt[] batch = [IcaePrompt.AutoEncode(slots.Select(0, 0)), IcaePrompt.Ask([slots], [7, 8, 9])];
        var generated = await model.GenerateAllAsync(batch, options);

        for (var i = 0; i < batch.Length; i++)
        {
            using var input = model.DecoderInput(batch[i]);
            var direct = await Direct(model, input, options);
            Assert.Equal(direct[0], generated[i]);
            Assert.Equal(6, generated[i].Length);
        }
    }

    [Fact]
    public async Task Generation_stops_on_the_base_models_eos()
    {
        using var dir = new TempDirectory();
        using (var m = TinyModels.Random(seed: 5)) m.Save(dir.Path);
        int[] free;
        using (var model = IcaeModel.Create(Llama.Load(dir.Path, DType.Float32), Config(), seed: 5))
        {
            using var slots = model.Encode([Tokens(6, 1)]);
            free = (await model.GenerateAllAsync([IcaePrompt.AutoEncode(slots.Select(0, 0))], new GenerationOptions { MaxTokens = 8, StopTokens = [] }))[0];
        }
        // Make the third generated token the model's EOS: generation must end just before it.
        var configPath = Path.Combine(dir.Path, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"eos_token_id\": 2", $"\"eos_token_id\": {free[2]}"));
        using (var model = IcaeModel.Create(Llama.Load(dir.Path, DType.Float32), Config(), seed: 5))
        {
            using var slots = model.Encode([Tokens(6, 1)]);
            var stopped = (await model.GenerateAllAsync([IcaePrompt.AutoEncode(slots.Select(0, 0))], new GenerationOptions { MaxTokens = 8 }))[0];
            Assert.Equal(free[..Array.IndexOf(free, free[2])], stopped);
        }
    }

    [Fact]
    public void The_decoder_loss_of_a_padded_batch_is_the_token_weighted_mean_of_each_request_alone_or_their_mean_per_sample()
    {
        using var model = Model(seed: 7);
        using var scope = TensorScope.Begin();
        var slots = model.Encode([Tokens(8, 1), Tokens(3, 2), Tokens(6, 3)]);
        IcaePrompt[] prompts = [IcaePrompt.AutoEncode(slots.Select(0, 0)), IcaePrompt.Continue([slots.Narrow(0, 1, 2)]), IcaePrompt.Ask([slots.Select(0, 2)], [9, 9])];
        int[][] targets = [Tokens(9, 4), Tokens(2, 5), Tokens(5, 6)];
        var batched = model.DecoderLoss(prompts, targets).Item<float>();
        var weighted = prompts.Select((p, i) => model.DecoderLoss([p], [targets[i]]).Item<float>() * targets[i].Length).Sum() / targets.Sum(t => t.Length);
        Assert.Equal(weighted, batched, 1e-5);
        // Per sample, each request's own mean counts once, however long its target.
        var perSample = model.DecoderLoss(prompts, targets, perSample: true).Item<float>();
        Assert.Equal(prompts.Select((p, i) => model.DecoderLoss([p], [targets[i]]).Item<float>()).Average(), perSample, 1e-5);
        Assert.NotEqual(batched, perSample, 1e-3);
        // Fed its own prefix the loss is unchanged; fed another, the labels stay and the loss moves.
        Assert.Equal(batched, model.DecoderLoss(prompts, targets, inputs: [.. targets.Select(t => t[..^1])]).Item<float>(), 1e-6);
        int[][] other = [.. targets.Select(t => t[..^1].Select(x => (x * 7 + 3) % 32).ToArray())];
        Assert.NotEqual(batched, model.DecoderLoss(prompts, targets, inputs: other).Item<float>(), 1e-3);
        Assert.Throws<ArgumentException>(() => model.DecoderLoss(prompts, targets, inputs: [.. targets]));

        // Teacher forcing: the loss of a one-token target is the cross-entropy of the prompt's last logits.
        using var noGrad = Autograd.NoGrad();
        var input = model.DecoderInput(prompts[0]).Unsqueeze(0);
        var logits = model.Base.Logits(model.Base.Forward(input, Tensor.Arange(input.Size(1)).Unsqueeze(0), model.Base.RopeFor((int)input.Size(1))));
        var last = Functional.LogSoftmax(logits.Select(1, input.Size(1) - 1), -1).ToArray<float>();
        Assert.Equal(-last[42], model.DecoderLoss([prompts[0]], [[42]]).Item<float>(), 1e-4);
    }

    [Fact]
    public void The_rope_scale_follows_the_length_and_is_bounded_by_the_supported_scale()
    {
        using var plain = Model();                                                       // window 256, max scale 1
        Assert.Equal(1, plain.RopeScaleFor(256));
        var e = Assert.Throws<ArgumentException>(() => plain.RopeScaleFor(257));
        Assert.Contains("max_rope_scale", e.Message);

        using var extended = Model(config: Config() with { MaxRopeScale = 4 });
        Assert.Equal(1, extended.RopeScaleFor(100));
        Assert.Equal(2, extended.RopeScaleFor(257));
        Assert.Equal(4, extended.RopeScaleFor(1024));
        Assert.Throws<ArgumentException>(() => extended.RopeScaleFor(1025));
    }

    [Fact]
    public async Task A_decoder_lora_adapter_reads_raw_context_through_its_lora_and_encodes_nothing()
    {
        // The same base, LoRA and memory table, once as ICAE (LoRA in the encoder) and once as a raw-context reference.
        using var icae = Model(seed: 8);
        using var reference = Model(seed: 8, config: Config() with { DecoderLora = true });
        var options = new GenerationOptions { MaxTokens = 5, StopTokens = [] };
        // No tensor scope stays open across an await (scopes are per thread, and the generation may resume on another).
        Tensor context, input;
        using (var scope = TensorScope.Begin())
        {
            context = TensorScope.Escape(Embed(reference, Tokens(6, 1)));
            input = TensorScope.Escape(reference.DecoderInput(IcaePrompt.Ask([context], [7, 8])));
        }
        using var _ = context;
        using var __ = input;
        var ask = IcaePrompt.Ask([context], [7, 8]);
        int[][] answer = [[30, 31, 32]];

        using (var scope = TensorScope.Begin())
        {
            Assert.NotEqual(icae.DecoderLoss([ask], answer).Item<float>(), reference.DecoderLoss([ask], answer).Item<float>());
            // The reference's loss is the plain teacher-forced loss of the base with the LoRA applied (dropout off).
            using var noGrad = Autograd.NoGrad();
            var forced = Tensor.Cat([input, Embed(reference, 30, 31)]).Unsqueeze(0);
            var positions = Tensor.Arange(forced.Size(1)).Unsqueeze(0);
            var logits = reference.Base.Logits(reference.Base.Forward(forced, positions, reference.Base.RopeFor((int)forced.Size(1)), adapter: reference.Adapter));
            var logProbs = Functional.LogSoftmax(logits.Select(0, 0), -1);
            var expected = -Enumerable.Range(0, 3).Average(j => logProbs.Select(0, (int)forced.Size(1) - 3 + j).ToArray<float>()[answer[0][j]]);
            Assert.Equal(expected, reference.DecoderLoss([ask], answer).Item<float>(), 1e-4);
        }

        var generated = (await reference.GenerateAllAsync([ask], options))[0];
        var tokens = new List<int>();
        await foreach (var t in new Generator(reference.Base, reference.Adapter).GenerateAsync([input], options)) tokens.Add(t.TokenId);
        Assert.Equal(tokens, generated);

        var e = Assert.Throws<InvalidOperationException>(() => reference.Encode([Tokens(4, 2)]));
        Assert.Contains("raw-context reference", e.Message);
    }

    [Fact]
    public async Task Many_spans_past_the_base_window_decode_at_the_chosen_scale()
    {
        using var model = Model(seed: 6, config: Config() with { MaxRopeScale = 4 });
        var options = new GenerationOptions { MaxTokens = 4, StopTokens = [] };
        Tensor slots;
        using (var scope = TensorScope.Begin()) slots = TensorScope.Escape(model.Encode(Enumerable.Range(0, 64).Select(i => Tokens(2, i)).ToArray()));
        using var _ = slots;
        var prompt = IcaePrompt.AutoEncode(slots);                                       // 64 × 4 + 1 = 257 positions, + 4 new
        var generated = (await model.GenerateAllAsync([prompt], options))[0];
        using var input = model.DecoderInput(prompt);
        Assert.Equal((await Direct(model, input, options with { RopeScale = 2 }))[0], generated);

        using var plain = Model(seed: 6);
        await Assert.ThrowsAsync<ArgumentException>(async () => await plain.GenerateAllAsync([prompt], options));
    }
}
