using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// POST /v1/query on the real decoder (random weights, so the words mean nothing): what is checked is the contract:
/// usage counts against the served model's shape and tokenizer, the answer against the streamed token ids, the
/// JSON answer against the streamed one (greedy decoding is deterministic), and the SSE framing.
/// </summary>
[Collection(GatewayCollection.Name)]
public class QueryEndpointsTests(GatewayFixture fixture)
{
    private const string Prompt = "Who lit the light?";

    private static HttpRequestMessage QueryRequest(object body) => new(HttpMethod.Post, "v1/query") { Content = JsonContent.Create(body) };

    private async Task<(HttpClient Client, int Spans)> TenantWithReadyDocumentAsync(string id, string text)
    {
        var client = await fixture.NewTenantClientAsync();
        var ready = await IngestReadyStatusAsync(client, text, id);
        return (client, ready.GetProperty("spans").GetInt32());
    }

    private void AssertUsage(JsonElement usage, int spans, string prompt, int maxTokens, int completionTokens)
    {
        Assert.Equal(spans * fixture.SlotsPerSpan, usage.GetProperty("memory_slots").GetInt32());
        Assert.Equal(fixture.TokenCount(prompt), usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(completionTokens, usage.GetProperty("completion_tokens").GetInt32());
        Assert.InRange(completionTokens, 0, maxTokens);
        Assert.Equal(completionTokens == maxTokens ? "length" : "stop", usage.GetProperty("finish_reason").GetString());
        Assert.Equal(1, usage.GetProperty("scale").GetInt32()); // well inside the base window: no E²-LLM stretch
        Assert.True(usage.GetProperty("seconds").GetDouble() > 0);
    }

    private static async Task<List<SseReader.SseEvent>> StreamAsync(HttpClient client, object body)
    {
        using var request = QueryRequest(body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        return await SseReader.ReadAllAsync(response);
    }

    [Fact]
    public async Task Query_answers_json_with_the_answer_and_usage()
    {
        var (client, spans) = await TenantWithReadyDocumentAsync("q1", Sentences(6));
        using (client)
        {
            using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "q1" }, prompt = Prompt, max_tokens = 12 });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = await ReadJson(response);
            Assert.Equal(["answer", "usage"], body.EnumerateObject().Select(p => p.Name));
            var usage = body.GetProperty("usage");
            AssertUsage(usage, spans, Prompt, 12, usage.GetProperty("completion_tokens").GetInt32());

            // The same question streamed: the same tokens, and the JSON answer is their text.
            var events = await StreamAsync(client, new { documents = new[] { "q1" }, prompt = Prompt, max_tokens = 12, stream = true });
            var tokens = events.Where(e => e.Name == "token").ToList();
            Assert.Equal(tokens.Count, usage.GetProperty("completion_tokens").GetInt32());
            Assert.Equal(body.GetProperty("answer").GetString(), string.Concat(tokens.Select(e => e.Data.GetProperty("text").GetString())));
        }
    }

    [Fact]
    public async Task No_repeat_ngram_keeps_the_answer_from_writing_a_bigram_twice()
    {
        var (client, _) = await TenantWithReadyDocumentAsync("nr", Sentences(5, from: 60));
        using (client)
        {
            async Task<int[]> Ids(int noRepeat) => [.. (await StreamAsync(client, new { documents = new[] { "nr" }, prompt = Prompt, max_tokens = 48, stream = true, no_repeat_ngram = noRepeat }))
                .Where(e => e.Name == "token").Select(e => e.Data.GetProperty("token_id").GetInt32())];
            static int Repeats(int[] ids) { var pairs = ids.Zip(ids.Skip(1)).ToList(); return pairs.Count - pairs.Distinct().Count(); }
            // The random decoder loops under plain greedy decoding; with no_repeat_ngram 2 no bigram comes twice.
            Assert.True(Repeats(await Ids(0)) > 0);
            Assert.Equal(0, Repeats(await Ids(2)));
        }
    }

    [Fact]
    public async Task Query_over_several_documents_reads_all_their_memory()
    {
        var (client, spans1) = await TenantWithReadyDocumentAsync("m1", Sentences(4));
        using (client)
        {
            var spans2 = (await IngestReadyStatusAsync(client, Sentences(7, from: 20), "m2")).GetProperty("spans").GetInt32();
            using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "m1", "m2" }, prompt = "compare", max_tokens = 3 });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var usage = (await ReadJson(response)).GetProperty("usage");
            AssertUsage(usage, spans1 + spans2, "compare", 3, usage.GetProperty("completion_tokens").GetInt32());
        }
    }

    [Fact]
    public async Task Streamed_query_frames_tokens_then_usage_then_done_and_the_text_is_the_tokens_decoded()
    {
        var (client, spans) = await TenantWithReadyDocumentAsync("s1", Sentences(5, from: 40));
        using (client)
        {
            var events = await StreamAsync(client, new { documents = new[] { "s1" }, prompt = Prompt, max_tokens = 24, stream = true });
            var tokens = events.Count - 2;
            Assert.Equal([.. Enumerable.Repeat("token", tokens), "usage", "done"], events.Select(e => e.Name));
            Assert.All(events.Take(tokens), e => Assert.Equal(["text", "token_id"], e.Data.EnumerateObject().Select(p => p.Name)));
            Assert.Empty(events[^1].Data.EnumerateObject());
            AssertUsage(events[^2].Data, spans, Prompt, 24, tokens);

            // Each event carries the text its token adds: together they spell exactly the decoded token ids.
            var ids = events.Take(tokens).Select(e => e.Data.GetProperty("token_id").GetInt32()).ToList();
            Assert.Equal(fixture.Tokenizer.Decode(ids), string.Concat(events.Take(tokens).Select(e => e.Data.GetProperty("text").GetString())));
        }
    }

    [Fact]
    public async Task A_streamed_query_that_fails_before_its_first_token_keeps_its_http_status()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var request = QueryRequest(new { documents = new[] { "missing" }, prompt = "go", stream = true });
        using var response = await client.SendAsync(request);
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_query_past_the_decoders_reach_answers_400(bool stream)
    {
        var (client, _) = await TenantWithReadyDocumentAsync("reach", Sentences(3));
        using (client)
        {
            // [slots][FT] prompt answer must fit the decoder's positions; 1024 answer tokens do not fit the tiny model's 512.
            Assert.True(fixture.Icae.MaxDecoderPositions(fixture.Base) < 1024);
            using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "reach" }, prompt = Prompt, max_tokens = 1024, stream });
            Assert.Equal("invalid_request", await ErrorCode(response, HttpStatusCode.BadRequest));
        }
    }

    [Fact]
    public async Task Query_of_a_document_still_encoding_answers_409_not_ready()
    {
        using var client = await fixture.NewTenantClientAsync();
        using (var ingest = await client.PostAsJsonAsync("v1/documents", new { id = "slowdoc", text = fixture.TextOfTokens(MaxDocumentTokens - 200) }))
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        try
        {
            using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "slowdoc" }, prompt = "?" });
            Assert.Equal("not_ready", await ErrorCode(response, HttpStatusCode.Conflict));
        }
        finally
        {
            using var delete = await client.DeleteAsync("v1/documents/slowdoc"); // its encodes would only slow the other tests
        }
    }

    [Theory]
    [InlineData("{\"documents\": [], \"prompt\": \"p\"}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"\"}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"max_tokens\": 0}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"max_tokens\": 100000}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"temperature\": -1}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"temperature\": 7.5}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"no_repeat_ngram\": -1}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"no_repeat_ngram\": 33}")]
    [InlineData("{\"documents\": [\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"], \"prompt\": \"p\"}")]
    public async Task Query_validation_answers_400(string json)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/query", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal("invalid_request", await ErrorCode(response, HttpStatusCode.BadRequest));
    }
}
