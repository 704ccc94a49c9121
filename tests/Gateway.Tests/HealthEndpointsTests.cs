using System.Net;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class HealthEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Healthz_answers_ok()
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task Readyz_answers_ready_with_the_active_silos()
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(2, body.GetProperty("active_silos").GetInt32());
    }

    [Fact]
    public async Task Readyz_answers_503_when_the_cluster_has_no_active_silo()
    {
        var lonely = fixture.CreateGateway(new Dictionary<string, string?> { ["Cluster:ClusterId"] = "no-silos-here" });
        using var client = lonely.Client();
        using var response = await client.GetAsync("readyz");
        Assert.Equal("unavailable", await ErrorCode(response, HttpStatusCode.ServiceUnavailable));
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Theory]
    [InlineData("no-such-route")]
    [InlineData("v1/does-not-exist")]
    [InlineData("healthz/extra")]
    public async Task Unknown_routes_answer_404_with_the_error_shape(string path)
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.GetAsync(path);
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Health_endpoints_only_answer_get()
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.PostAsync("healthz", content: null);
        Assert.Equal("method_not_allowed", await ErrorCode(response, HttpStatusCode.MethodNotAllowed));
    }
}
