using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>/v1/documents on the real grains: token and span counts come from the served tokenizer and span length.</summary>
[Collection(GatewayCollection.Name)]
public class DocumentEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Ingest_json_answers_202_encoding_then_status_reaches_ready_with_memory()
    {
        using var client = await fixture.NewTenantClientAsync();
        var text = Sentences(12);
        var tokens = fixture.TokenCount(text);
        var spans = fixture.SpanCount(tokens);
        Assert.True(spans > 1, $"{tokens} tokens: the document should span several spans");

        using var response = await client.PostAsJsonAsync("v1/documents", new { id = "report-1", text });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/v1/documents/report-1", response.Headers.Location?.OriginalString);
        var accepted = await ReadJson(response);
        Assert.Equal("report-1", accepted.GetProperty("id").GetString());
        Assert.Equal("encoding", accepted.GetProperty("status").GetString());
        Assert.Equal(tokens, accepted.GetProperty("tokens").GetInt32());
        Assert.Equal(spans, accepted.GetProperty("spans").GetInt32());
        Assert.Equal(0, accepted.GetProperty("spans_done").GetInt32());
        Assert.Equal(0, accepted.GetProperty("memory_bytes").GetInt64());
        Assert.False(accepted.TryGetProperty("error", out _));

        var ready = await WaitStatusAsync(client, "report-1", "ready");
        Assert.Equal(tokens, ready.GetProperty("tokens").GetInt32());
        Assert.Equal(spans, ready.GetProperty("spans").GetInt32());
        Assert.Equal(spans, ready.GetProperty("spans_done").GetInt32());
        Assert.Equal(spans * fixture.BlobBytes, ready.GetProperty("memory_bytes").GetInt64());
        Assert.Equal(Encoding.UTF8.GetByteCount(text), ready.GetProperty("text_bytes").GetInt32());
        Assert.False(ready.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Ingest_generates_an_id_when_absent()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { text = "hello world" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await ReadJson(response)).GetProperty("id").GetString()!;
        Assert.StartsWith("d_", id);
        Assert.Equal($"/v1/documents/{id}", response.Headers.Location?.OriginalString);
        await WaitStatusAsync(client, id, "ready");
    }

    [Fact]
    public async Task Ingest_accepts_a_text_plain_body_with_the_id_in_the_query()
    {
        using var client = await fixture.NewTenantClientAsync();
        const string text = "The keeper lit the light in 1874.";
        using var response = await client.PostAsync("v1/documents?id=plain-1", new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ready = await WaitStatusAsync(client, "plain-1", "ready");
        Assert.Equal(fixture.TokenCount(text), ready.GetProperty("tokens").GetInt32());
    }

    [Fact]
    public async Task Ingest_accepts_a_multipart_file_upload()
    {
        using var client = await fixture.NewTenantClientAsync();
        const string text = "A sailor found the stone wall in 1899.";
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "notes.txt");
        form.Add(new StringContent("upload-1"), "id");
        using var response = await client.PostAsync("v1/documents", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ready = await WaitStatusAsync(client, "upload-1", "ready");
        Assert.Equal(fixture.TokenCount(text), ready.GetProperty("tokens").GetInt32());
    }

    [Fact]
    public async Task Ingest_of_an_existing_id_answers_409()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "first", "dup");
        using var response = await client.PostAsJsonAsync("v1/documents", new { id = "dup", text = "second" });
        Assert.Equal("document_exists", await ErrorCode(response, HttpStatusCode.Conflict));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("a/b")]
    [InlineData("t:x")]
    [InlineData("{tag}")]
    [InlineData("")]
    public async Task Ingest_with_an_invalid_id_answers_400(string id)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { id, text = "x" });
        Assert.Equal("invalid_request", await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n ")]
    public async Task Ingest_of_empty_text_answers_400(string text)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { text });
        Assert.Equal("invalid_request", await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Ingest_over_the_token_quota_answers_403_and_stores_nothing()
    {
        using var client = await fixture.NewTenantClientAsync();
        var text = fixture.TextOfTokens(MaxDocumentTokens + 1);
        using (var response = await client.PostAsJsonAsync("v1/documents", new { id = "too-long", text }))
            Assert.Equal("quota_exceeded", await ErrorCode(response, HttpStatusCode.Forbidden));

        using (var get = await client.GetAsync("v1/documents/too-long")) Assert.Equal("not_found", await ErrorCode(get, HttpStatusCode.NotFound));
        var tenant = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("v1/tenant");
        Assert.Equal(0, tenant.GetProperty("documents").GetInt32());
        Assert.Equal(0, tenant.GetProperty("memory_bytes").GetInt64());
    }

    [Fact]
    public async Task Append_over_the_token_quota_answers_403_and_keeps_the_document()
    {
        using var client = await fixture.NewTenantClientAsync();
        var before = await IngestReadyStatusAsync(client, Sentences(3), "capped");
        using (var response = await client.PostAsJsonAsync("v1/documents/capped/append", new { text = fixture.TextOfTokens(MaxDocumentTokens) }))
            Assert.Equal("quota_exceeded", await ErrorCode(response, HttpStatusCode.Forbidden));
        var after = await WaitStatusAsync(client, "capped", "ready");
        Assert.Equal(before.GetProperty("tokens").GetInt32(), after.GetProperty("tokens").GetInt32());
    }

    [Fact]
    public async Task Ingest_with_an_unsupported_content_type_answers_415()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/documents", new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new("application/octet-stream") } });
        Assert.Equal("unsupported_media_type", await ErrorCode(response, HttpStatusCode.UnsupportedMediaType));
    }

    [Fact]
    public async Task A_failed_document_shows_status_failed_with_its_error_and_refuses_queries_and_appends()
    {
        var (tenant, key) = await fixture.CreateTenantAsync();
        using var client = fixture.Gateway.Client(key);
        using (var response = await client.PostAsJsonAsync("v1/documents", new { id = "bad", text = Sentences(8) }))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await fixture.FailFirstSpanAsync(tenant, "bad", "span 0 could not be encoded: device lost");

        var failed = await WaitStatusAsync(client, "bad", "failed");
        Assert.Equal("span 0 could not be encoded: device lost", failed.GetProperty("error").GetString());
        using (var r = await client.PostAsJsonAsync("v1/query", new { documents = new[] { "bad" }, prompt = "Who lit the light?" }))
            Assert.Equal("not_ready", await ErrorCode(r, HttpStatusCode.Conflict));
        using (var r = await client.PostAsync("v1/documents/bad/reconstruct", null))
            Assert.Equal("not_ready", await ErrorCode(r, HttpStatusCode.Conflict));
        using (var r = await client.PostAsJsonAsync("v1/documents/bad/append", new { text = "more" }))
            Assert.Equal("not_ready", await ErrorCode(r, HttpStatusCode.Conflict));
        using (var r = await client.DeleteAsync("v1/documents/bad")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    [Fact]
    public async Task List_shows_the_tenants_documents_newest_first()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "one", "list-a");
        await IngestReadyAsync(client, "two", "list-b");
        using var response = await client.GetAsync("v1/documents");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var documents = (await ReadJson(response)).GetProperty("documents").EnumerateArray().ToList();
        Assert.Equal(["list-b", "list-a"], documents.Select(d => d.GetProperty("id").GetString()));
        Assert.All(documents, d => Assert.Equal("ready", d.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Append_answers_202_and_the_document_grows_by_the_appended_tokens()
    {
        using var client = await fixture.NewTenantClientAsync();
        var first = Sentences(5);
        var more = " " + Sentences(4, from: 5);
        var before = await IngestReadyStatusAsync(client, first, "grow");
        Assert.Equal(fixture.TokenCount(first), before.GetProperty("tokens").GetInt32());

        using var response = await client.PostAsJsonAsync("v1/documents/grow/append", new { text = more });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/v1/documents/grow", response.Headers.Location?.OriginalString);
        var tokens = fixture.TokenCount(first) + fixture.TokenCount(more); // the appended text is tokenized on its own
        var accepted = await ReadJson(response);
        Assert.Equal("encoding", accepted.GetProperty("status").GetString());
        Assert.Equal(tokens, accepted.GetProperty("tokens").GetInt32());

        var after = await WaitStatusAsync(client, "grow", "ready");
        Assert.Equal(tokens, after.GetProperty("tokens").GetInt32());
        Assert.Equal(fixture.SpanCount(tokens), after.GetProperty("spans").GetInt32());
        Assert.Equal(fixture.SpanCount(tokens), after.GetProperty("spans_done").GetInt32());
        Assert.Equal(Encoding.UTF8.GetByteCount(first + more), after.GetProperty("text_bytes").GetInt32());
    }

    [Fact]
    public async Task Append_to_an_unknown_document_answers_404()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents/nope/append", new { text = "more" });
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Delete_answers_204_then_the_document_and_its_memory_are_gone()
    {
        var (tenant, key) = await fixture.CreateTenantAsync();
        using var client = fixture.Gateway.Client(key);
        await IngestReadyAsync(client, Sentences(4), "gone");
        Assert.NotEmpty(await fixture.Grains.KeysOfAsync(tenant, "gone"));

        using (var response = await client.DeleteAsync("v1/documents/gone"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        Assert.Empty(await fixture.Grains.KeysOfAsync(tenant, "gone"));
        using (var again = await client.DeleteAsync("v1/documents/gone")) Assert.Equal("not_found", await ErrorCode(again, HttpStatusCode.NotFound));
        using (var get = await client.GetAsync("v1/documents/gone")) Assert.Equal("not_found", await ErrorCode(get, HttpStatusCode.NotFound));
        var usage = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("v1/tenant");
        Assert.Equal(0, usage.GetProperty("documents").GetInt32());
        Assert.Equal(0, usage.GetProperty("memory_bytes").GetInt64());
    }

    [Fact]
    public async Task Reconstruct_returns_the_decoders_text()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "The keeper watched the harbour in 1850.", "keeper");
        using var response = await client.PostAsync("v1/documents/keeper/reconstruct", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal(["id", "text"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("keeper", body.GetProperty("id").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, body.GetProperty("text").ValueKind); // random weights: any text
    }

    [Fact]
    public async Task Reconstruct_of_a_document_still_encoding_answers_409_not_ready()
    {
        using var client = await fixture.NewTenantClientAsync();
        // Hundreds of spans: far from done a moment after the 202.
        using (var ingest = await client.PostAsJsonAsync("v1/documents", new { id = "big", text = fixture.TextOfTokens(MaxDocumentTokens - 200) }))
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        try
        {
            using var response = await client.PostAsync("v1/documents/big/reconstruct", null);
            Assert.Equal("not_ready", await ErrorCode(response, HttpStatusCode.Conflict));
        }
        finally
        {
            using var delete = await client.DeleteAsync("v1/documents/big"); // its encodes would only slow the other tests
        }
    }

    [Theory]
    [InlineData("v1/documents/unknown")]
    [InlineData("v1/documents/bad%20id")]
    [InlineData("v1/documents/%7Btag%7D")]
    public async Task Unknown_or_malformed_ids_answer_404(string path)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.GetAsync(path);
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }
}
