using System.Net;
using MemoryPlatform.Gateway.Tests.Fixtures;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.Runtime.Testing;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// The gateway's own Redis connection (API keys, readiness) across a restart of Redis. Its own fixture, since the
/// test stops the server under the gateway; the AOF keeps the tenant's key through the restart.
/// </summary>
public sealed class RedisRestartTests : IAsyncLifetime
{
    private sealed class AofFixture : DoublesGatewayFixture
    {
        protected override RedisServerOptions RedisOptions => new() { AppendOnly = true };
    }

    private readonly AofFixture _fixture = new();

    public Task InitializeAsync() => _fixture.InitializeAsync();
    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task While_redis_is_down_a_valid_key_gets_503_not_401_and_is_served_again_once_redis_is_back()
    {
        var (tenantId, key) = await _fixture.CreateTenantAsync();
        using var client = _fixture.Gateway.Client(key);
        using (var before = await client.GetAsync("v1/tenant")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await _fixture.Redis.StopAsync();
        using (var down = await client.GetAsync("v1/tenant"))
        {
            // Storage that cannot be read says nothing about the key: the caller is told to retry, not that it is unknown.
            Assert.Equal("unavailable", await ErrorCode(down, HttpStatusCode.ServiceUnavailable));
            Assert.True(down.Headers.RetryAfter is not null, "a 503 names when to retry");
        }

        await _fixture.Redis.StartAgainAsync();
        var back = await Eventually.MatchAsync(async () =>
        {
            using var response = await client.GetAsync("v1/tenant");
            return response.StatusCode == HttpStatusCode.OK ? (await ReadJson(response)).GetProperty("tenant_id").GetString() : null;
        }, id => id is not null, "the key is served again after the restart", TimeSpan.FromSeconds(20));
        Assert.Equal(tenantId, back);
    }
}
