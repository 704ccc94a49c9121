using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class OperationsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Metrics_expose_request_counts_and_latency_by_route_and_status_in_prometheus_text()
    {
        using var tenant = await fixture.NewTenantClientAsync();
        using (var r = await tenant.GetAsync("v1/documents/metric-probe")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await tenant.GetAsync("v1/documents")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        using var client = fixture.Gateway.Client();
        using var response = await client.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("# TYPE memplat_gateway_requests_total counter", text);
        Assert.Contains("# TYPE memplat_gateway_request_duration_seconds histogram", text);
        var notFound = Sample(text, "memplat_gateway_requests_total", "method=\"GET\",route=\"/v1/documents/{id}\",status=\"404\"");
        Assert.True(notFound >= 1, text);
        Assert.True(Sample(text, "memplat_gateway_requests_total", "method=\"GET\",route=\"/v1/documents\",status=\"200\"") >= 1, text);
        Assert.True(Sample(text, "memplat_gateway_request_duration_seconds_count", "method=\"GET\",route=\"/v1/documents/{id}\",status=\"404\"") >= 1);
        Assert.Contains("memplat_gateway_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/documents/{id}\",status=\"404\",le=\"+Inf\"}", text);
        Assert.Contains("memplat_runtime_calls_total{", text); // the runtime's own meter, from the cluster client
        Assert.DoesNotContain("metric-probe", text); // route templates, not raw paths

        // Every sample line parses: name{labels} value.
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
            Assert.Matches(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""(\\.|[^""\\])*"",?)*\})? (\+Inf|-Inf|NaN|-?[0-9.eE+-]+)$", line);
    }

    private static double Sample(string text, string name, string labels)
    {
        var prefix = name + "{" + labels + "} ";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task OpenApi_document_describes_every_route()
    {
        using var client = fixture.Gateway.Client();
        using var response = await client.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await ReadJson(response);
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        (string Path, string Method)[] expected =
        [
            ("/v1/tenants", "post"), ("/v1/tenant", "get"), ("/v1/model", "get"),
            ("/v1/documents", "post"), ("/v1/documents", "get"), ("/v1/documents/{id}", "get"), ("/v1/documents/{id}", "delete"),
            ("/v1/documents/{id}/append", "post"), ("/v1/documents/{id}/reconstruct", "post"), ("/v1/query", "post"),
            ("/healthz", "get"), ("/readyz", "get"),
        ];
        foreach (var (path, method) in expected)
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} missing");
        var query = paths.GetProperty("/v1/query").GetProperty("post");
        Assert.True(query.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("ErrorBody", out _));
    }

    [Fact]
    public async Task Model_describes_the_served_models_slots_and_kv_cache_sizes()
    {
        using var client = fixture.Gateway.Client();
        var model = await client.GetFromJsonAsync<JsonElement>("v1/model");
        Assert.Equal(fixture.SlotsPerSpan, model.GetProperty("slots_per_span").GetInt32());
        Assert.Equal(fixture.SpanLength, model.GetProperty("span_length").GetInt32());
        Assert.Equal(fixture.Base.HiddenSize, model.GetProperty("hidden_size").GetInt32());
        Assert.Equal(fixture.Icae.MaxDecoderPositions(fixture.Base), model.GetProperty("max_decoder_positions").GetInt32());
        // A stored span is its fp16 slots plus the blob header (what memory_bytes counts per span).
        Assert.Equal(fixture.BlobBytes - MemoryPlatform.ModelCore.Icae.SlotBlob.HeaderSize, model.GetProperty("slot_bytes_per_span").GetInt64());
        Assert.Equal(2L * fixture.Base.NumHiddenLayers * fixture.Base.NumKeyValueHeads * fixture.Base.HeadDim * 2,
            model.GetProperty("kv_bytes_per_token").GetInt64());
    }

    [Fact]
    public async Task The_page_and_its_assets_are_served()
    {
        using var client = fixture.Gateway.Client();
        foreach (var (path, type) in new[] { ("", "text/html"), ("app.js", "text/javascript"), ("app.css", "text/css") })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        }
    }
}
