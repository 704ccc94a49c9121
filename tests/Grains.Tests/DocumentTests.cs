using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

[Collection(RedisCollection.Name)]
public sealed class DocumentTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    private static readonly ModelFingerprint Fp = new TestMemoryModel().Fingerprint;

    /// <summary>The blob an encode of span <paramref name="index"/> of <paramref name="text"/> gives.</summary>
    private static byte[] ExpectedBlob(string text, int index)
    {
        var tokens = new TestMemoryModel().Tokenize(text);
        var span = tokens.Skip(16 * index).Take(16).ToArray();
        return SlotBlob.Encode(TestMemoryModel.Slots(span), 4, 8, SlotDType.Float16, Fp);
    }

    private async Task<string> AnswerAsync(IDocumentGrain doc, QueryRequest request)
    {
        var events = new List<QueryEvent>();
        await foreach (var e in doc.Query(request, None)) events.Add(e);
        Assert.NotNull(events[^1].Usage);
        Assert.All(events[..^1], e => Assert.Null(e.Usage));
        return string.Concat(events.Select(e => e.Text));
    }

    [Fact]
    public async Task Ingest_encodes_every_span_and_the_decoder_gets_them_back()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(40);
        var started = await Cluster.Document(tenant, "d1").Ingest(text, None);
        Assert.Equal(DocumentState.Encoding, started.Status);
        var spans = (text.Length + 15) / 16;
        Assert.Equal(spans, started.Spans);
        Assert.Equal(text.Length, started.Tokens);

        var ready = await Cluster.WaitReadyAsync(tenant, "d1");
        Assert.Equal(spans, ready.SpansDone);
        Assert.Equal(spans * SlotBlob.SizeOf(4, 8, SlotDType.Float16), ready.MemoryBytes);
        for (var i = 0; i < spans; i++)
            Assert.Equal(ExpectedBlob(text, i), (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "d1", i)))!);

        Assert.Equal(text, await Cluster.Document(tenant, "d1", silo: 2).Reconstruct(None));
        Assert.Equal(text[..50], await AnswerAsync(Cluster.Document(tenant, "d1", silo: 1), new QueryRequest([], "what?", MaxTokens: 50)));
        await Cluster.DrainAsync(); // every job acknowledged and removed
    }

    [Fact]
    public async Task Query_feeds_the_documents_in_request_order_and_reports_usage()
    {
        var tenant = await Cluster.NewTenantAsync();
        await Cluster.Document(tenant, "a").Ingest("alpha document text", None);
        await Cluster.Document(tenant, "b").Ingest("bravo", None);
        await Cluster.WaitReadyAsync(tenant, "a");
        await Cluster.WaitReadyAsync(tenant, "b");

        var events = new List<QueryEvent>();
        await foreach (var e in Cluster.Document(tenant, "b").Query(new QueryRequest(["a", "b"], "q", MaxTokens: 100), None))
            events.Add(e);
        Assert.Equal("bravoalpha document text", string.Concat(events.Select(e => e.Text)));
        var usage = events[^1].Usage!;
        Assert.Equal(4 * 3, usage.MemorySlots); // b: 1 span, a: 2 spans, 4 slots each
        Assert.Equal(1, usage.PromptTokens);
        Assert.Equal(24, usage.CompletionTokens);
        Assert.Equal("stop", usage.FinishReason);
        Assert.Equal(1, usage.Scale);

        var limited = await AnswerAsync(Cluster.Document(tenant, "a"), new QueryRequest(["b"], "q", MaxTokens: 3));
        Assert.Equal("alp", limited);
    }

    [Fact]
    public async Task A_streamed_answer_spells_characters_cut_between_tokens_once()
    {
        // The test model's tokens are UTF-8 bytes, so every character here spans 2 to 4 tokens, like byte-fallback pieces.
        var tenant = await Cluster.NewTenantAsync();
        const string text = "café 🌍 déjà vu";
        await Cluster.Document(tenant, "utf8").Ingest(text, None);
        await Cluster.WaitReadyAsync(tenant, "utf8");

        var events = new List<QueryEvent>();
        await foreach (var e in Cluster.Document(tenant, "utf8").Query(new QueryRequest([], "q", MaxTokens: 100), None)) events.Add(e);
        Assert.Equal(text, string.Concat(events.Select(e => e.Text)));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), events.Count(e => e.Usage is null)); // one event per token
        Assert.Equal(events.Count - 1, events[^1].Usage!.CompletionTokens);

        // Cut inside 'é' (4 tokens: c a f 0xC3): the broken byte is not dropped, it ends the answer as the decoder reads it.
        var cut = await AnswerAsync(Cluster.Document(tenant, "utf8"), new QueryRequest([], "q", MaxTokens: 4));
        Assert.Equal("caf\uFFFD", cut);
    }

    [Fact]
    public async Task Append_reencodes_only_the_tail_span_and_the_new_spans()
    {
        var tenant = await Cluster.NewTenantAsync();
        var doc = Cluster.Document(tenant, "log");
        var first = new string('a', 40); // spans 0, 1 full; span 2 holds 8 tokens
        await doc.Ingest(first, None);
        await Cluster.WaitReadyAsync(tenant, "log");
        var versions = await Versions(tenant, "log", 3);
        var encodedBefore = Cluster.Models.Sum(m => m.EncodedSpans);

        var status = await Cluster.Document(tenant, "log", silo: 1).Append(new string('b', 20), None); // 60 tokens: spans 2, 3
        Assert.Equal(60, status.Tokens);
        Assert.Equal(4, status.Spans);
        await Cluster.WaitReadyAsync(tenant, "log");
        var after = await Versions(tenant, "log", 4);
        Assert.Equal(versions[0], after[0]);
        Assert.Equal(versions[1], after[1]);
        Assert.True(after[2] > versions[2]);
        Assert.Equal(after[2], after[3]);
        // Only the new tail (span 2) and the new span 3 went through the model.
        Assert.Equal(2, Cluster.Models.Sum(m => m.EncodedSpans) - encodedBefore);
        var text = first + new string('b', 20);
        for (var i = 0; i < 4; i++)
            Assert.Equal(ExpectedBlob(text, i), (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "log", i)))!);
        Assert.Equal(text, await doc.Reconstruct(None));
    }

    private async Task<long[]> Versions(string tenant, string docId, int spans)
    {
        var values = await Cluster.Redis.Slots.StringGetAsync(
            Enumerable.Range(0, spans).Select(i => (RedisKey)RedisKeys.SpanVersion(tenant, docId, i)).ToArray());
        return values.Select(v => (long)v).ToArray();
    }

    [Fact]
    public async Task Concurrent_appends_from_three_silos_all_land()
    {
        var tenant = await Cluster.NewTenantAsync();
        await Cluster.Document(tenant, "shared").Ingest("start.", None);
        var pieces = Enumerable.Range(0, 30).Select(i => $"[{i:D2}]").ToArray();
        await Task.WhenAll(pieces.Select((p, i) => Cluster.Document(tenant, "shared", silo: i % 3).Append(p, None)));

        var status = await Cluster.WaitReadyAsync(tenant, "shared");
        Assert.Equal("start.".Length + pieces.Sum(p => p.Length), status.Tokens);
        var text = await Cluster.Document(tenant, "shared", silo: 1).Reconstruct(None);
        Assert.StartsWith("start.", text);
        Assert.All(pieces, p => Assert.Contains(p, text));
        Assert.Equal(status.Tokens, text.Length);
    }

    [Fact]
    public async Task Delete_leaves_no_key_even_with_encodes_in_flight()
    {
        var tenant = await Cluster.NewTenantAsync();
        foreach (var model in Cluster.Models) model.EncodeDelay = TimeSpan.FromMilliseconds(30);
        await Cluster.Document(tenant, "gone").Ingest(Text(80, seed: 1), None);
        await Cluster.Document(tenant, "kept").Ingest(Text(80, seed: 1), None); // same content: shares encodes
        await Eventually.MatchAsync(() => Cluster.Document(tenant, "gone").GetStatus(None), s => s!.SpansDone > 2, "some spans stored");

        Assert.True(await Cluster.Document(tenant, "gone", silo: 1).Delete(None));
        Assert.Null(await Cluster.Document(tenant, "gone").GetStatus(None));
        await Cluster.DrainAsync(); // every job of the deleted document acknowledged
        // A job claimed by a second silo can still be in flight after the first acknowledged it; its late write is
        // removed by its own writer when the commit finds the document gone, so the keys go, if not at once.
        await Eventually.MatchAsync(() => Cluster.KeysOfAsync(tenant, "gone"), keys => keys.Count == 0, "no key of the deleted document");
        Assert.False(await Cluster.Document(tenant, "gone").Delete(None));

        var kept = await Cluster.WaitReadyAsync(tenant, "kept");
        Assert.Equal(Text(80, seed: 1), await Cluster.Document(tenant, "kept").Reconstruct(None));
        var info = (await Cluster.Tenant(tenant).Get(None))!;
        Assert.Equal(1, info.Documents);
        Assert.Equal(kept.MemoryBytes, info.MemoryBytes);
    }

    [Fact]
    public async Task Identical_spans_of_two_documents_share_one_encode_and_survive_deleting_the_first()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(30, seed: 2);
        await Cluster.Document(tenant, "one").Ingest(text, None);
        var spans = (await Cluster.WaitReadyAsync(tenant, "one")).Spans;
        var encoded = Cluster.Models.Sum(m => m.EncodedSpans);

        await Cluster.Document(tenant, "two").Ingest(text, None);
        await Cluster.WaitReadyAsync(tenant, "two");
        Assert.Equal(encoded, Cluster.Models.Sum(m => m.EncodedSpans)); // every span copied, none encoded

        Assert.True(await Cluster.Document(tenant, "one").Delete(None));
        Assert.Empty(await Cluster.KeysOfAsync(tenant, "one"));
        for (var i = 0; i < spans; i++)
            Assert.Equal(ExpectedBlob(text, i), (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "two", i)))!);
        Assert.Equal(text, await Cluster.Document(tenant, "two").Reconstruct(None));

        // Another tenant's equal text is encoded on its own (content hashes are salted per tenant).
        var other = await Cluster.NewTenantAsync();
        await Cluster.Document(other, "one").Ingest(text, None);
        await Cluster.WaitReadyAsync(other, "one");
        Assert.Equal(encoded + spans, Cluster.Models.Sum(m => m.EncodedSpans));
    }

    [Theory]
    [InlineData("truncate", "corrupt")]
    [InlineData("flip", "corrupt")]
    [InlineData("foreign", "foreign-model")]
    [InlineData("missing", "missing")]
    [InlineData("misplaced", "misplaced")]
    public async Task An_unusable_blob_is_reported_and_reencoded_never_returned(string damage, string problem)
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(20, seed: 3);
        await Cluster.Document(tenant, "doc").Ingest(text, None);
        await Cluster.WaitReadyAsync(tenant, "doc");
        var key = RedisKeys.Span(tenant, "doc", 1);
        var good = ExpectedBlob(text, 1);
        var slots = Cluster.Redis.Slots;
        switch (damage)
        {
            case "truncate": await slots.StringSetAsync(key, good[..^10]); break;
            case "flip":
                var flipped = good.ToArray();
                flipped[100] ^= 0x40;
                await slots.StringSetAsync(key, flipped);
                break;
            case "foreign":
                await slots.StringSetAsync(key, SlotBlob.Encode(new float[32], 4, 8, ModelFingerprint.Of("another model")));
                break;
            case "misplaced":
                // An intact blob of this model, from another document, with that document's (newer) version: it decodes
                // cleanly, and its version would make the compare-and-set refuse the re-encode if it were left there.
                await Cluster.Document(tenant, "other").Ingest(Text(20, seed: 4), None);
                await Cluster.WaitReadyAsync(tenant, "other");
                await slots.StringSetAsync(key, await slots.StringGetAsync(RedisKeys.Span(tenant, "other", 0)));
                await slots.StringSetAsync(RedisKeys.SpanVersion(tenant, "doc", 1), await slots.StringGetAsync(RedisKeys.SpanVersion(tenant, "other", 0)));
                break;
            default: await slots.KeyDeleteAsync(key); break;
        }

        await RemoteErrors.ThrowsAsync<DocumentNotReadyException>(async () =>
        {
            await foreach (var _ in Cluster.Document(tenant, "doc").Query(new QueryRequest([], "q"), None)) { }
        });
        var repaired = (await Cluster.Document(tenant, "doc").GetStatus(None))!;
        Assert.Contains($"span 1 {problem}", repaired.Repair);
        await Cluster.WaitReadyAsync(tenant, "doc");
        Assert.Equal(good, (byte[])(await slots.StringGetAsync(key))!);
        Assert.Equal(text, await Cluster.Document(tenant, "doc").Reconstruct(None));
    }

    [Fact]
    public async Task A_span_the_model_cannot_encode_fails_the_document_with_the_reason()
    {
        var tenant = await Cluster.NewTenantAsync();
        await Cluster.Document(tenant, "bad").Ingest(Text(10) + " ~ " + Text(10), None);
        var failed = await Cluster.WaitStateAsync(tenant, "bad", DocumentState.Failed);
        Assert.Contains("could not be encoded", failed.Error);
        Assert.Contains("'~'", failed.Error);
        await RemoteErrors.ThrowsAsync<DocumentNotReadyException>(() => Cluster.Document(tenant, "bad").Append("more", None));
        await RemoteErrors.ThrowsAsync<DocumentNotReadyException>(() => Cluster.Document(tenant, "bad").Reconstruct(None));
    }

    [Fact]
    public async Task Bad_input_gets_clear_typed_errors()
    {
        var tenant = await Cluster.NewTenantAsync();
        var doc = Cluster.Document(tenant, "doc");
        Assert.Contains("empty", (await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => doc.Ingest("", None))).Message);
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => doc.Ingest("  \n\t ", None));
        var oversized = new string('x', Cluster.Options.Quotas.MaxTextBytes + 1);
        Assert.Contains("bytes", (await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => doc.Ingest(oversized, None))).Message);
        Assert.Null(await doc.GetStatus(None));

        await RemoteErrors.ThrowsAsync<DocumentNotFoundException>(() => doc.Append("more", None));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Cluster.Document("no-such-tenant", "doc").Ingest("hello", None));

        await doc.Ingest("hello", None);
        await RemoteErrors.ThrowsAsync<DocumentExistsException>(() => doc.Ingest("hello again", None));
        await Cluster.WaitReadyAsync(tenant, "doc");
        async Task Ask(QueryRequest r) { await foreach (var _ in doc.Query(r, None)) { } }
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Ask(new QueryRequest([], " ")));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Ask(new QueryRequest([], "q", MaxTokens: 0)));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Ask(new QueryRequest(["bad:id"], "q")));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() =>
            Ask(new QueryRequest(Enumerable.Range(0, 20).Select(i => "d" + i).ToList(), "q")));
        await RemoteErrors.ThrowsAsync<DocumentNotFoundException>(() => Ask(new QueryRequest(["missing"], "q")));
    }
}
