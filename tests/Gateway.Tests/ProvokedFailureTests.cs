using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// Gateway logic for failures the real platform does not produce on demand, on the grain doubles
/// (<see cref="DoublesGatewayFixture"/>): a full model queue (429), a call that outlives its deadline (504), a decoder
/// that fails mid-answer (an SSE error event), and proof that a disconnect reaches the grain as cancellation (the real
/// decoder finishes too fast to tell a cancelled answer from a short one). The grains layer tests its side of each
/// (OverloadTests, the runtime's call deadlines and cancellation) on its own.
/// </summary>
[Collection(DoublesGatewayCollection.Name)]
public class ProvokedFailureTests(DoublesGatewayFixture fixture)
{
    private static HttpRequestMessage QueryRequest(object body) => new(HttpMethod.Post, "v1/query") { Content = JsonContent.Create(body) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_overloaded_model_answers_429_with_retry_after(bool stream)
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "text", "busy");
        using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "busy" }, prompt = "#overload", stream });
        Assert.Equal("overloaded", await ErrorCode(response, HttpStatusCode.TooManyRequests));
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_call_past_its_deadline_answers_504()
    {
        var impatient = fixture.CreateGateway(new Dictionary<string, string?> { ["Cluster:Calls:DefaultTimeout"] = "00:00:01" });
        await WaitReadyAsync(impatient);
        var (_, key) = await fixture.CreateTenantAsync(gateway: impatient);
        using var client = impatient.Client(key);
        var id = "hold-" + Guid.NewGuid().ToString("N")[..8];
        var held = fixture.Documents.HeldStatusCalls.GetOrAdd(id, _ => new HeldCall());
        try
        {
            using var response = await client.GetAsync($"v1/documents/{id}");
            Assert.Equal("timeout", await ErrorCode(response, HttpStatusCode.GatewayTimeout));
        }
        finally
        {
            held.Release.TrySetResult();
        }
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
