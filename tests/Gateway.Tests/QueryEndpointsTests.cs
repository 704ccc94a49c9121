using System.Net;
using System.Net.Http.Json;
using System.Text;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class QueryEndpointsTests(GatewayFixture fixture)
{
    private static HttpRequestMessage QueryRequest(object body, bool stream = false) =>
        new(HttpMethod.Post, "v1/query") { Content = JsonContent.Create(body) };

    [Fact]
    public async Task Query_answers_json_with_the_answer_and_usage()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "alpha beta gamma", "q1");
        using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "q1" }, prompt = "what is it?", max_tokens = 64 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("Answer from 1 document(s): alpha beta gamma", body.GetProperty("answer").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(128, usage.GetProperty("memory_slots").GetInt32());
        Assert.Equal(3, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", usage.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Query_over_several_documents_reads_them_all()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "first document", "m1");
        await IngestReadyAsync(client, "second document", "m2");
        using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "m1", "m2" }, prompt = "compare", max_tokens = 3 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("Answer from 2", body.GetProperty("answer").GetString());
        Assert.Equal(256, body.GetProperty("usage").GetProperty("memory_slots").GetInt32());
        Assert.Equal("length", body.GetProperty("usage").GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Streamed_query_frames_tokens_then_usage_then_done()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "alpha beta gamma", "s1");
        using var request = QueryRequest(new { documents = new[] { "s1" }, prompt = "go", stream = true });
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        var events = await SseReader.ReadAllAsync(response);
        Assert.Equal(["token", "token", "token", "token", "token", "token", "token", "usage", "done"], events.Select(e => e.Name));
        Assert.Equal("Answer from 1 document(s): alpha beta gamma",
            string.Concat(events.Where(e => e.Name == "token").Select(e => e.Data.GetProperty("text").GetString())));
        Assert.Equal(7, events[^2].Data.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_streamed_query_that_fails_before_its_first_token_keeps_its_http_status()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var request = QueryRequest(new { documents = new[] { "missing" }, prompt = "go", stream = true });
        using var response = await client.SendAsync(request);
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task A_streamed_query_that_fails_mid_answer_ends_with_an_error_event()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "alpha beta gamma", "mid");
        using var request = QueryRequest(new { documents = new[] { "mid" }, prompt = "#error-mid", stream = true });
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await SseReader.ReadAllAsync(response);
        Assert.Equal(["token", "token", "error"], events.Select(e => e.Name));
        var error = events[^1].Data.GetProperty("error");
        Assert.Equal("internal", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Query_of_a_document_still_encoding_answers_409_not_ready()
    {
        using var client = await fixture.NewTenantClientAsync();
        var big = string.Join(' ', Enumerable.Range(0, 512 * 20).Select(i => "x"));
        using (var ingest = await client.PostAsJsonAsync("v1/documents", new { id = "slowdoc", text = big }))
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "slowdoc" }, prompt = "?" });
        Assert.Equal("not_ready", await ErrorCode(response, HttpStatusCode.Conflict));
    }

    [Theory]
    [InlineData("{\"documents\": [], \"prompt\": \"p\"}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"\"}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"max_tokens\": 0}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"max_tokens\": 100000}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"temperature\": -1}")]
    [InlineData("{\"documents\": [\"a\"], \"prompt\": \"p\", \"temperature\": 7.5}")]
    [InlineData("{\"documents\": [\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"], \"prompt\": \"p\"}")]
    public async Task Query_validation_answers_400(string json)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/query", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal("invalid_request", await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "alpha", "cancel-me");
        var prompt = "#slow " + Guid.NewGuid().ToString("N");
        var cancelled = fixture.Documents.Cancelled(prompt);
        using (var request = QueryRequest(new { documents = new[] { "cancel-me" }, prompt, max_tokens = 600, stream = true }))
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var stream = await response.Content.ReadAsStreamAsync();
            await using var events = SseReader.ReadAsync(stream).GetAsyncEnumerator();
            Assert.True(await events.MoveNextAsync());
            Assert.Equal("token", events.Current.Name);
            Assert.False(cancelled.Task.IsCompleted);
        } // disposing the response closes the connection mid-stream
        client.CancelPendingRequests();
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(15)); // the grain saw its token cancelled (600 tokens would take 60 s)
    }
}
