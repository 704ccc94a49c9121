using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MemoryPlatform.Cli.Platform;
using MemoryPlatform.Grains.Tests.Support;

namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// `memplat up` end to end: a real redis-server, two silo processes and the gateway process, on a real (tiny) ICAE
/// model, driven only through HTTP, as a user would.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class LocalPlatformTests : IDisposable
{
    private readonly TinyIcaeModel model = new();
    private readonly string state = Directory.CreateTempSubdirectory("memplat-up-").FullName;

    [Fact]
    public async Task Up_serves_ingest_status_query_and_delete_over_http_with_the_real_model_and_stops_cleanly()
    {
        var port = Random.Shared.Next(20_000, 30_000);
        var options = new LocalPlatformOptions(port, "admin-" + Guid.NewGuid().ToString("N"), Silos: 2, model.ModelDir, model.AdapterDir, "cpu", state)
        {
            FirstSiloPort = Random.Shared.Next(30_000, 40_000),
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var platform = await LocalPlatform.StartAsync(options, _ => { }, timeout.Token);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(platform.Url + "/") };
            var tenant = await Json(await Send(http, HttpMethod.Post, "v1/tenants", platform.AdminKey, new { name = "e2e" }), HttpStatusCode.Created);
            var key = tenant.GetProperty("api_key").GetString()!;

            var text = string.Join(' ', Enumerable.Range(0, 40).Select(TinyIcaeModel.Sentence));
            await Json(await Send(http, HttpMethod.Post, "v1/documents", key, new { id = "lighthouse", text }), HttpStatusCode.Accepted);
            JsonElement status;
            do
            {
                await Task.Delay(200, timeout.Token);
                status = await Json(await Send(http, HttpMethod.Get, "v1/documents/lighthouse", key), HttpStatusCode.OK);
            } while (status.GetProperty("status").GetString() == "encoding");
            Assert.Equal("ready", status.GetProperty("status").GetString());
            var spans = status.GetProperty("spans").GetInt32();
            Assert.Equal(spans, status.GetProperty("spans_done").GetInt32());
            Assert.True(spans > 1);

            var answer = await Json(await Send(http, HttpMethod.Post, "v1/query", key,
                new { documents = new[] { "lighthouse" }, prompt = "Who lit the light?", max_tokens = 6 }), HttpStatusCode.OK);
            Assert.Equal(spans * 4, answer.GetProperty("usage").GetProperty("memory_slots").GetInt32());
            Assert.InRange(answer.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 6);

            var shape = await Json(await Send(http, HttpMethod.Get, "v1/model", null), HttpStatusCode.OK);
            Assert.Equal(4, shape.GetProperty("slots_per_span").GetInt32());   // read from the served adapter, not a default

            var other = await Json(await Send(http, HttpMethod.Post, "v1/tenants", platform.AdminKey, new { name = "other" }), HttpStatusCode.Created);
            using (var foreign = await Send(http, HttpMethod.Get, "v1/documents/lighthouse", other.GetProperty("api_key").GetString()))
                Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
            using (var deleted = await Send(http, HttpMethod.Delete, "v1/documents/lighthouse", key))
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            using (var gone = await Send(http, HttpMethod.Get, "v1/documents/lighthouse", key))
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        finally
        {
            await platform.DisposeAsync();
        }
        Assert.All(platform.Children, c => Assert.True(c.HasExited, $"{c.Name} still running"));
    }

    private static async Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string? key, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    public void Dispose()
    {
        model.Dispose();
        try { Directory.Delete(state, recursive: true); } catch (IOException) { }
    }
}
