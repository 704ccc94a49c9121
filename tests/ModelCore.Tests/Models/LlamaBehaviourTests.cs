using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using static MemoryPlatform.ModelCore.Tests.Tensors.TensorBasicsTests;

namespace MemoryPlatform.ModelCore.Tests.Models;

public class LlamaBehaviourTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(4)]
    public void Incremental_decoding_with_the_kv_cache_equals_a_full_forward_pass(int? window)
    {
        using var model = TinyModels.Random(kvHeads: 2, slidingWindow: window);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        long[] ids = [5, 17, 3, 99, 42, 8, 23, 61, 7, 30];
        var rope = model.RopeFor(ids.Length);
        var full = model.Logits(model.Forward(model.Embed(TinyModels.Ids(ids)), TinyModels.Positions(0, ids.Length), rope));

        using var cache = new KvCache(model.Config.NumHiddenLayers, ids.Length);
        var prefix = model.Logits(model.Forward(model.Embed(TinyModels.Ids(ids[..6])), TinyModels.Positions(0, 6), rope, cache: cache));
        AssertClose(full.Slice(1, 0, 6).Contiguous().ToArray<float>(), prefix.ToArray<float>(), 1e-4);
        for (var t = 6; t < ids.Length; t++)
        {
            var step = model.Logits(model.Forward(model.Embed(TinyModels.Ids(ids[t])), TinyModels.Positions(t, 1), rope, cache: cache));
            AssertClose(full.Slice(1, t, t + 1).Contiguous().ToArray<float>(), step.ToArray<float>(), 1e-4);
        }
        Assert.Equal(ids.Length, cache.Length);
    }

    [Fact]
    public async Task A_padded_batch_generates_what_each_request_generates_alone()
    {
        using var model = TinyModels.Random(seed: 3);
        int[][] prompts = [[1, 40, 41, 42, 43, 44, 45], [1, 7], [1, 90, 12, 33]];
        var options = new GenerationOptions { MaxTokens = 8, StopTokens = [] };
        var generator = new Generator(model);
        var batched = await generator.GenerateAllAsync(prompts, options);
        for (var i = 0; i < prompts.Length; i++)
        {
            var alone = await generator.GenerateAllAsync([prompts[i]], options);
            Assert.Equal(alone[0], batched[i]);
            Assert.Equal(8, batched[i].Length);
        }
    }

    [Fact]
    public async Task Greedy_generation_is_deterministic_and_sampling_repeats_with_a_seed()
    {
        using var model = TinyModels.Random(seed: 4);
        var generator = new Generator(model);
        int[][] prompt = [[1, 5, 6, 7]];
        var greedy = new GenerationOptions { MaxTokens = 12, StopTokens = [] };
        Assert.Equal((await generator.GenerateAllAsync(prompt, greedy))[0], (await generator.GenerateAllAsync(prompt, greedy))[0]);

        var sampled = greedy with { Temperature = 1.5, TopK = 50, TopP = 0.95, Seed = 11 };
        var a = (await generator.GenerateAllAsync(prompt, sampled))[0];
        Assert.Equal(a, (await generator.GenerateAllAsync(prompt, sampled))[0]);
        var others = await Task.WhenAll(Enumerable.Range(12, 4).Select(s => generator.GenerateAllAsync(prompt, sampled with { Seed = s })));
        Assert.Contains(others, o => !o[0].SequenceEqual(a));
    }

    [Fact]
    public async Task Generation_under_autocast_keeps_bf16_on_every_step_whichever_thread_runs_it()
    {
        // Autocast is thread-local; decoding steps resume on pool threads after an await. Before the fix the
        // prefill ran in bf16 and the decode in f32 against bf16 cached keys, and libtorch refused the matmul.
        using var model = TinyModels.Random(seed: 7);
        var generator = new Generator(model);
        int[][] prompt = [[1, 5, 6, 7]];
        var options = new GenerationOptions { MaxTokens = 10, StopTokens = [] };
        Task<int[][]> run;
        using (Autocast.Enable()) run = generator.GenerateAllAsync(prompt, options);   // prefill here, the rest on pool threads
        Assert.Equal(10, (await run)[0].Length);
    }

    [Fact]
    public async Task Generation_stops_on_stop_tokens_and_at_max_tokens()
    {
        using var model = TinyModels.Random(seed: 5);
        var generator = new Generator(model);
        int[][] prompt = [[1, 9, 9, 9]];
        var free = (await generator.GenerateAllAsync(prompt, new GenerationOptions { MaxTokens = 6, StopTokens = [] }))[0];
        Assert.Equal(6, free.Length);
        var stopped = (await generator.GenerateAllAsync(prompt, new GenerationOptions { MaxTokens = 6, StopTokens = [free[2]] }))[0];
        Assert.Equal(free[..free.ToList().IndexOf(free[2])], stopped);
    }

    [Fact]
    public async Task A_stop_token_cannot_end_a_request_before_min_tokens()
    {
        using var model = TinyModels.Random(seed: 5);
        var generator = new Generator(model);
        int[][] prompts = [[1, 9, 9, 9], [1, 4]];
        var free = await generator.GenerateAllAsync(prompts, new GenerationOptions { MaxTokens = 6, StopTokens = [] });
        // Each request's own first greedy token as a stop: without MinTokens both end at once.
        int[] stops = [free[0][0], free[1][0]];
        var empty = await generator.GenerateAllAsync(prompts, new GenerationOptions { MaxTokens = 6, StopTokens = stops });
        Assert.All(empty, e => Assert.Empty(e));
        var atLeastTwo = await generator.GenerateAllAsync(prompts, new GenerationOptions { MaxTokens = 6, StopTokens = stops, MinTokens = 2 });
        Assert.All(atLeastTwo, a => Assert.True(a.Length >= 2 && !stops.Contains(a[0]) && !stops.Contains(a[1]), string.Join(' ', a)));
    }

    [Fact]
    public async Task Cancellation_stops_generation_promptly()
    {
        using var model = TinyModels.Random(seed: 6);
        var generator = new Generator(model);
        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in generator.GenerateAsync([[1, 2, 3]], new GenerationOptions { MaxTokens = 200, StopTokens = [] }, cts.Token))
                if (++received == 3) cts.Cancel();
        });
        Assert.Equal(3, received);
    }

    [Fact]
    public void Bad_requests_are_refused_with_clear_errors()
    {
        using var model = TinyModels.Random(seed: 7);
        var generator = new Generator(model);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync([[1, 500]], new GenerationOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { TopP = 0 }.Validate());
    }

    [Fact]
    public void Positions_divided_by_g_at_scale_one_give_the_angles_of_scale_g()
    {
        // Per-row E²-LLM draws rely on it: one RoPE table at g = 1, each row's ids already divided by its own g.
        using var model = TinyModels.Random(seed: 3);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var sample = E2LlmPositions.SampleTraining(new Random(2), new E2LlmTrainingOptions(8, 16, MaxScale: 5, FixedScale: 3));
        var ids = TinyModels.Ids(5, 17, 3, 99, 42, 8, 23, 61);
        var byTable = model.Forward(model.Embed(ids), Tensor.From(sample.PositionIds, 1, 8), model.RopeFor(48, 3));
        var byIds = model.Forward(model.Embed(ids), Tensor.From(sample.ScaledPositions(), 1, 8), model.RopeFor(48));
        Assert.True(sample.Offset > 0);
        AssertClose(byTable.ToArray<float>(), byIds.ToArray<float>(), 1e-5);
    }

    [Fact]
    public void Saved_models_load_back_identically_and_mis_shaped_tensors_are_named()
    {
        using var dir = new TempDirectory();
        using var model = TinyModels.Random(seed: 8);
        model.Save(dir.Path);
        using var loaded = Llama.Load(dir.Path, DType.Float32);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = TinyModels.Ids(1, 2, 3, 4);
        var rope = model.RopeFor(4);
        AssertClose(model.Logits(model.Forward(model.Embed(ids), TinyModels.Positions(0, 4), rope)).ToArray<float>(),
                    loaded.Logits(loaded.Forward(loaded.Embed(ids), TinyModels.Positions(0, 4), rope)).ToArray<float>(), 0);

        // A config that disagrees with the weights names the offending tensor.
        File.WriteAllText(Path.Combine(dir.Path, "config.json"),
            File.ReadAllText(Path.Combine(dir.Path, "config.json")).Replace("\"intermediate_size\": 96", "\"intermediate_size\": 97"));
        var e = Assert.Throws<InvalidDataException>(() => Llama.Load(dir.Path));
        Assert.Contains("mlp.gate_proj.weight", e.Message);
    }
}
