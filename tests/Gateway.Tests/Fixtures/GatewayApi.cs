using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>What every gateway test does over HTTP: the admin key, readiness, ingest and status polling, the error shape.</summary>
public static class GatewayApi
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>Generous for a loaded 2-core machine: encodes run on the real model while other tests run.</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(90);

    public static async Task WaitReadyAsync(GatewayFactory gateway)
    {
        using var client = gateway.Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("readyz");
            if (response.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("gateway not ready: " + await response.Content.ReadAsStringAsync());
            await Task.Delay(100);
        }
    }

    /// <summary>Ingests a document and waits until its status is ready; returns its id.</summary>
    public static async Task<string> IngestReadyAsync(HttpClient client, string text, string? id = null) =>
        (await IngestReadyStatusAsync(client, text, id)).GetProperty("id").GetString()!;

    /// <summary>Ingests a document and returns its status once ready.</summary>
    public static async Task<JsonElement> IngestReadyStatusAsync(HttpClient client, string text, string? id = null)
    {
        using var response = await client.PostAsJsonAsync("v1/documents", id is null ? new { text } : (object)new { id, text });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var docId = (await ReadJson(response)).GetProperty("id").GetString()!;
        return await WaitStatusAsync(client, docId, "ready");
    }

    public static async Task<JsonElement> WaitStatusAsync(HttpClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow + StatusTimeout;
        while (true)
        {
            using var response = await client.GetAsync($"v1/documents/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJson(response);
            if (body.GetProperty("status").GetString() == status) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"document {id} never reached {status}: {body}");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts the API's error shape and returns the code.</summary>
    public static async Task<string> ErrorCode(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return ErrorShape(text).Code;
    }

    /// <summary>Asserts that <paramref name="json"/> is the error shape, exactly; returns its code and message.</summary>
    public static (string Code, string Message) ErrorShape(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Single(root.EnumerateObject());
        var error = root.GetProperty("error");
        Assert.Equal(2, error.EnumerateObject().Count());
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        var code = error.GetProperty("code").GetString();
        Assert.False(string.IsNullOrWhiteSpace(code));
        return (code!, message!);
    }
}
