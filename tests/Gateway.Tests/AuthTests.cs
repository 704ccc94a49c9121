using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class AuthTests(GatewayFixture fixture)
{
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "v1/documents" },
        { "POST", "v1/documents" },
        { "GET", "v1/documents/x" },
        { "POST", "v1/documents/x/append" },
        { "DELETE", "v1/documents/x" },
        { "POST", "v1/documents/x/reconstruct" },
        { "POST", "v1/query" },
        { "GET", "v1/tenant" },
    };

    private static HttpRequestMessage Request(string method, string path, string? authorization)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = JsonContent.Create(new { text = "t" });
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Missing_malformed_or_unknown_keys_answer_401(string method, string path)
    {
        using var client = fixture.Gateway.Client();
        foreach (var authorization in new[]
                 {
                     null, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "mp_nobearer", "Bearer two words",
                     "Bearer mp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Bearer not-a-memplat-key",
                 })
        {
            using var response = await client.SendAsync(Request(method, path, authorization));
            Assert.Equal("unauthorized", await ErrorCode(response, HttpStatusCode.Unauthorized));
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_admin_key_does_not_open_tenant_routes(string method, string path)
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.SendAsync(Request(method, path, "Bearer " + AdminKey));
        Assert.Equal("forbidden", await ErrorCode(response, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Model_health_and_page_need_no_key()
    {
        using var client = fixture.Gateway.Client();
        foreach (var path in new[] { "v1/model", "healthz", "readyz", "metrics", "openapi/v1.json", "" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }
}
