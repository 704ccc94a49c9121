using System.Net;
using System.Net.Http.Json;
using System.Text;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class LimitsTests(GatewayFixture fixture)
{
    private const int Limit = GatewayFixtureBase.MaxRequestBodyBytes;

    [Fact]
    public async Task A_body_over_the_limit_answers_413()
    {
        using var client = await fixture.NewTenantClientAsync();
        var text = new string('a', Limit + 10);
        using var response = await client.PostAsync("v1/documents", new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal("payload_too_large", await ErrorCode(response, HttpStatusCode.RequestEntityTooLarge));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_answers_413()
    {
        using var client = await fixture.NewTenantClientAsync();
        var json = "{\"text\": \"" + new string('a', Limit + 10) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/documents") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal("payload_too_large", await ErrorCode(response, HttpStatusCode.RequestEntityTooLarge));
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read_whole_and_accepted()
    {
        using var client = await fixture.NewTenantClientAsync();
        // JSON whitespace fills the body: the limit is on bytes read, and the document stays one cheap span.
        const string head = "{\"id\": \"padded\", \"text\": \"The light\"";
        var json = head + new string(' ', Limit - head.Length - 1) + "}";
        Assert.Equal(Limit, Encoding.UTF8.GetByteCount(json));
        using var response = await client.PostAsync("v1/documents", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("ready", (await WaitStatusAsync(client, "padded", "ready")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_per_tenant_rate_limit_answers_429_with_retry_after_and_spares_other_tenants()
    {
        var limited = fixture.CreateGateway(new Dictionary<string, string?>
        {
            ["Gateway:RateLimit:TokenLimit"] = "3",
            ["Gateway:RateLimit:TokensPerPeriod"] = "1",
            ["Gateway:RateLimit:ReplenishmentPeriod"] = "00:01:00",
        });
        await WaitReadyAsync(limited);
        var (_, keyA) = await fixture.CreateTenantAsync(gateway: limited);
        var (_, keyB) = await fixture.CreateTenantAsync(gateway: limited);
        using var a = limited.Client(keyA);
        using var b = limited.Client(keyB);
        for (var i = 0; i < 3; i++)
            using (var ok = await a.GetAsync("v1/documents")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var refused = await a.GetAsync("v1/documents");
        Assert.Equal("rate_limited", await ErrorCode(refused, HttpStatusCode.TooManyRequests));
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);

        using var other = await b.GetAsync("v1/documents");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task A_cluster_without_silos_answers_503_with_retry_after()
    {
        var orphan = fixture.CreateGateway(new Dictionary<string, string?>
        {
            ["Cluster:ClusterId"] = "no-silos-" + Guid.NewGuid().ToString("N")[..6],
            ["Cluster:Calls:DefaultTimeout"] = "00:00:01",
        });
        var (_, key) = await fixture.CreateTenantAsync(); // keys live in Redis, whatever the cluster id
        using var client = orphan.Client(key);
        using var response = await client.GetAsync("v1/documents/anything");
        Assert.Equal("unavailable", await ErrorCode(response, HttpStatusCode.ServiceUnavailable));
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
