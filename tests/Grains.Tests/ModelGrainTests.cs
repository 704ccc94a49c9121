using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>The model grain's queue and batching, without a cluster.</summary>
public sealed class ModelGrainTests
{
    private static ModelGrain Grain(TestMemoryModel model, BatchingOptions options) =>
        new(model, "silo-test", "cpu", options, NullLogger<ModelGrain>.Instance);

    private static int[] Span(int seed) => Enumerable.Range(seed, 8).ToArray();

    [Fact]
    public async Task Concurrent_encodes_are_batched_up_to_the_batch_size()
    {
        var model = new TestMemoryModel { EncodeDelay = TimeSpan.FromMilliseconds(100) };
        await using var grain = Grain(model, new BatchingOptions { MaxEncodeBatch = 4, MaxBatchDelay = TimeSpan.FromMilliseconds(50), MaxQueueLength = 100 });
        var calls = Enumerable.Range(0, 12).Select(i => grain.EncodeAsync([Span(i)], CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(calls);
        for (var i = 0; i < 12; i++) Assert.Equal(TestMemoryModel.Slots(Span(i)), results[i][0]);
        Assert.Equal(12, model.EncodedSpans);
        Assert.All(model.EncodeBatches, b => Assert.InRange(b, 1, 4));
        Assert.True(model.EncodeBatches.Count < 12, $"no batching: {string.Join(",", model.EncodeBatches)}");
    }

    [Fact]
    public async Task A_full_queue_refuses_with_overloaded_and_admitted_requests_complete()
    {
        var model = new TestMemoryModel { EncodeDelay = TimeSpan.FromMilliseconds(200) };
        await using var grain = Grain(model, new BatchingOptions { MaxEncodeBatch = 2, MaxBatchDelay = TimeSpan.Zero, MaxQueueLength = 4 });
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                return (await grain.EncodeAsync([Span(i)], CancellationToken.None))[0] is { Length: 32 } ? "ok" : "bad";
            }
            catch (OverloadedException)
            {
                return "overloaded";
            }
        }));
        Assert.Contains("overloaded", outcomes);
        Assert.Contains("ok", outcomes);
        Assert.DoesNotContain("bad", outcomes);
        Assert.Equal(outcomes.Count(o => o == "ok"), model.EncodedSpans);

        // A request larger than the whole queue is refused whole.
        await Assert.ThrowsAsync<OverloadedException>(() => grain.EncodeAsync(Enumerable.Range(0, 5).Select(Span).ToArray(), CancellationToken.None));
    }

    [Fact]
    public async Task Generation_batches_prompts_with_equal_options_and_routes_each_token_to_its_caller()
    {
        var model = new TestMemoryModel { TokenDelay = TimeSpan.FromMilliseconds(5) };
        await using var grain = Grain(model, new BatchingOptions { MaxGenerateBatch = 8, MaxBatchDelay = TimeSpan.FromMilliseconds(100) });
        var options = new GenerationOptions { MaxTokens = 6 };
        async Task<int[]> Ask(int seed)
        {
            var memory = new SlotMatrix(TestMemoryModel.Slots(Span(seed)), 4, 8, SlotDType.Float16);
            var tokens = new List<int>();
            await foreach (var t in grain.GenerateAsync(new MemoryPrompt([memory], MemoryTask.Answer, "q"), options, CancellationToken.None))
            {
                Assert.Equal(0, t.Request);
                tokens.Add(t.TokenId);
            }
            return tokens.ToArray();
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Ask(i * 10)));
        for (var i = 0; i < 5; i++) Assert.Equal(Span(i * 10)[..6], answers[i]);
        Assert.True(model.GenerateBatches.Max() > 1, $"no batching: {string.Join(",", model.GenerateBatches)}");
    }
}
