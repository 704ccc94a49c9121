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
        // The count is the gateway's membership view, refreshed periodically: it may lag a silo that joined a moment
        // ago (CI once saw 1 of 2), so wait for it to converge rather than read one snapshot.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJson(response);
            Assert.Equal("ready", body.GetProperty("status").GetString());
            var silos = body.GetProperty("active_silos").GetInt32();
            if (silos == 2) return;
            if (DateTime.UtcNow > deadline)
            {
                // Say what the table holds, so that a silo declared dead on a loaded machine shows as such.
                var rows = fixture.Grains.Cluster.Silos[0].Membership.Current.Silos.Values.Select(r => $"{r.SiloId}={r.Status}");
                Assert.Fail($"readyz counts {silos} active silos, not 2; the membership table: {string.Join(", ", rows)}");
            }
            await Task.Delay(100);
        }
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
