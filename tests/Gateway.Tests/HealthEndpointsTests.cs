using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MemoryPlatform.Gateway.Tests;

public class HealthEndpointsTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    private static async Task<JsonElement> JsonBody(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonBody(response);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task Readyz_answers_ready()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonBody(response);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Theory]
    [InlineData("/no-such-route")]
    [InlineData("/v1/does-not-exist")]
    [InlineData("/healthz/extra")]
    public async Task Unknown_routes_answer_404(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_only_answer_get()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/healthz", content: null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
