using System.Net;
using System.Net.Http.Json;
using System.Text;
using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class LimitsTests(GatewayFixture fixture)
{
    private const int Limit = 1024 * 1024; // the fixture's Gateway:MaxRequestBodyBytes

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
    public async Task A_body_under_the_limit_is_accepted()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/documents", new StringContent(new string('a', Limit / 2), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
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
