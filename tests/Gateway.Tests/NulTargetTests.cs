using System.Text;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// A percent-encoded NUL in a request target, which Kestrel refuses with a bare 400 before the application runs, gets the
/// error shape from the connection guard (Connections/NulTargetGuard), over raw TCP: alone, after other requests on a
/// kept-alive connection, pipelined; and the guard leaves everything else as it was.
/// </summary>
[Collection(GatewayCollection.Name)]
public class NulTargetTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("GET", "/v1/documents/a%00b")]
    [InlineData("GET", "/v1/documents/%00")]
    [InlineData("DELETE", "/v1/documents/a%00b")]
    [InlineData("GET", "/%00")]
    [InlineData("GET", "/V1/DOCUMENTS/A%00B")]
    [InlineData("GET", "/v1/documents/a%2F%00%2Fb")]
    [InlineData("GET", "/v1/documents/a%00b%00c")]
    [InlineData("GET", "/v1/documents?after=%00")]
    [InlineData("GET", "/v1/documents?AFTER=X%00Y")]
    [InlineData("GET", "http://localhost/v1/documents/a%00b")]
    public async Task A_nul_in_the_request_target_answers_400_with_the_error_shape(string method, string target)
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        await connection.SendAsync($"{method} {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        AssertRefused(await connection.ReadResponseAsync());
        Assert.True(await connection.ClosedAsync(), "the connection stays open after the refusal");
    }

    [Fact]
    public async Task A_nul_request_after_a_json_post_on_a_kept_alive_connection_gets_the_error_shape()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        await connection.SendAsync(CreateTenant("{\"name\": \"kept alive\"}"));
        var created = await connection.ReadResponseAsync();
        Assert.Equal(201, created.Status);
        Assert.NotEqual("close", created.Header("connection"));

        await connection.SendAsync(Get("/v1/documents/a%00b"));
        AssertRefused(await connection.ReadResponseAsync());
        Assert.True(await connection.ClosedAsync());
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order_and_a_nul_among_them_after_the_ones_before_it()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        await connection.SendAsync(Get("/healthz") + CreateTenant("{\"name\": \"pipelined\"}") + Get("/v1/model") +
                                   Get("/v1/documents/a%00b") + Get("/healthz"));
        var health = await connection.ReadResponseAsync();
        Assert.Equal(200, health.Status);
        Assert.Equal("ok", JsonDocument.Parse(health.Body).RootElement.GetProperty("status").GetString());
        var tenant = await connection.ReadResponseAsync();
        Assert.Equal(201, tenant.Status);
        Assert.StartsWith("mp_", JsonDocument.Parse(tenant.Body).RootElement.GetProperty("api_key").GetString());
        var model = await connection.ReadResponseAsync();
        Assert.Equal(200, model.Status);
        Assert.Equal("tiny-icae", JsonDocument.Parse(model.Body).RootElement.GetProperty("name").GetString());
        AssertRefused(await connection.ReadResponseAsync());
        Assert.True(await connection.ClosedAsync(), "the request after the refused one was answered");
    }

    [Fact]
    public async Task A_body_holding_percent_00_is_not_refused()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        // JSON whitespace puts the body's own "request line" at the start of a line; it arrives in two pieces.
        var request = CreateTenant("{\"name\":\r\n\"GET /a%00b HTTP/1.1\"}\r\n");
        var split = request.IndexOf("%00", StringComparison.Ordinal) + 2;
        await connection.SendAsync(request[..split]);
        await Task.Delay(200);
        await connection.SendAsync(request[split..] + Get("/healthz"));
        var created = await connection.ReadResponseAsync();
        Assert.True(created.Status == 201, created.Body);
        Assert.Equal("GET /a%00b HTTP/1.1", JsonDocument.Parse(created.Body).RootElement.GetProperty("name").GetString());
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task A_request_line_arriving_in_pieces_is_judged_whole()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        await connection.SendAsync("GET /heal");
        await Task.Delay(200);
        await connection.SendAsync("thz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /v1/documents/a%0");
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        await Task.Delay(200);
        await connection.SendAsync("0b HTTP/1.1\r\nHost: localhost\r\n\r\n");
        AssertRefused(await connection.ReadResponseAsync());
    }

    [Fact]
    public async Task A_chunked_request_passes_the_guard_unchanged_and_a_nul_after_it_is_refused()
    {
        // A chunked body is framed too: a client refused before its chunked body was read keeps the connection (the
        // chaos flood's oversized queries did), and its next request must still be guarded.
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Gateway.BaseAddress);
        const string json = "{\"name\": \"chunked\"}";
        await connection.SendAsync($"POST /v1/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {AdminKey}\r\n" +
                                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                   $"{json.Length:x}\r\n{json}\r\n0\r\n\r\n" + Get("/healthz"));
        Assert.Equal(201, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);

        await connection.SendAsync(Get("/v1/documents/a%00b"));
        AssertRefused(await connection.ReadResponseAsync());
    }

    [Fact]
    public async Task A_request_line_held_past_the_header_timeout_is_left_to_kestrels_own_timeout()
    {
        var gateway = fixture.CreateGateway(kestrel: o => o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1));
        await WaitReadyAsync(gateway);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);
        var started = DateTime.UtcNow;
        await connection.SendAsync("GET /healthz HT");
        // Held for the timeout, then shown to Kestrel, whose own timeout answers; not the 130 s keep-alive timeout.
        Assert.Equal(408, (await connection.ReadResponseAsync()).Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), $"answered after {DateTime.UtcNow - started}");
    }

    private static string Get(string target) => $"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private static string CreateTenant(string json) =>
        $"POST /v1/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {AdminKey}\r\nContent-Type: application/json\r\n" +
        $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";

    /// <summary>The guard's answer: 400, the one error shape as JSON, framed by Content-Length, closing the connection.</summary>
    private static void AssertRefused(RawResponse response)
    {
        Assert.True(response.Status == 400, $"{response.Status}: {response.Body}");
        Assert.Equal("application/json; charset=utf-8", response.Header("content-type"));
        Assert.Equal("close", response.Header("connection"));
        Assert.Equal(Encoding.UTF8.GetByteCount(response.Body).ToString(), response.Header("content-length"));
        Assert.Equal(("invalid_request", "the request target contains a NUL (%00)"), ErrorShape(response.Body));
    }
}
