using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class DocumentEndpointsTests(GatewayFixture fixture)
{
    private static string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(i => $"w{i}"));

    [Fact]
    public async Task Ingest_json_answers_202_encoding_then_status_reaches_ready_with_memory()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { id = "report-1", text = Words(1200) });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/v1/documents/report-1", response.Headers.Location?.OriginalString);
        var accepted = await ReadJson(response);
        Assert.Equal("report-1", accepted.GetProperty("id").GetString());
        Assert.Equal("encoding", accepted.GetProperty("status").GetString());
        Assert.False(accepted.TryGetProperty("error", out _));

        var ready = await WaitStatusAsync(client, "report-1", "ready");
        Assert.Equal(1200, ready.GetProperty("tokens").GetInt32());
        Assert.Equal(3, ready.GetProperty("spans").GetInt32());
        Assert.Equal(3, ready.GetProperty("spans_done").GetInt32());
        Assert.True(ready.GetProperty("memory_bytes").GetInt64() > 0);
        Assert.Equal(Encoding.UTF8.GetByteCount(Words(1200)), ready.GetProperty("text_bytes").GetInt32());
    }

    [Fact]
    public async Task Ingest_generates_an_id_when_absent()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { text = "hello world" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await ReadJson(response)).GetProperty("id").GetString()!;
        Assert.StartsWith("d_", id);
        await WaitStatusAsync(client, id, "ready");
    }

    [Fact]
    public async Task Ingest_accepts_a_text_plain_body_with_the_id_in_the_query()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/documents?id=plain-1", new StringContent("plain text body", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ready = await WaitStatusAsync(client, "plain-1", "ready");
        Assert.Equal(3, ready.GetProperty("tokens").GetInt32());
    }

    [Fact]
    public async Task Ingest_accepts_a_multipart_file_upload()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("uploaded file with five words"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "notes.txt");
        form.Add(new StringContent("upload-1"), "id");
        using var response = await client.PostAsync("v1/documents", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ready = await WaitStatusAsync(client, "upload-1", "ready");
        Assert.Equal(5, ready.GetProperty("tokens").GetInt32());
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
    public async Task Ingest_over_quota_answers_403_quota_exceeded()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { text = "this one is #quota" });
        Assert.Equal("quota_exceeded", await ErrorCode(response, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Ingest_with_an_unsupported_content_type_answers_415()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync("v1/documents", new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new("application/octet-stream") } });
        Assert.Equal("unsupported_media_type", await ErrorCode(response, HttpStatusCode.UnsupportedMediaType));
    }

    [Fact]
    public async Task A_failed_document_shows_status_failed_with_its_error()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents", new { id = "bad", text = "this text will #fail" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var failed = await WaitStatusAsync(client, "bad", "failed");
        Assert.Contains("#fail", failed.GetProperty("error").GetString());
    }

    [Fact]
    public async Task List_shows_the_tenants_documents_newest_first()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "one", "list-a");
        await IngestReadyAsync(client, "two", "list-b");
        using var response = await client.GetAsync("v1/documents");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = (await ReadJson(response)).GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
        Assert.Equal(["list-b", "list-a"], ids);
    }

    [Fact]
    public async Task Append_answers_202_and_the_document_grows()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, Words(500), "grow");
        using var response = await client.PostAsJsonAsync("v1/documents/grow/append", new { text = Words(100) });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var after = await WaitStatusAsync(client, "grow", "ready");
        Assert.Equal(600, after.GetProperty("tokens").GetInt32());
        Assert.Equal(2, after.GetProperty("spans").GetInt32());
    }

    [Fact]
    public async Task Append_to_an_unknown_document_answers_404()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsJsonAsync("v1/documents/nope/append", new { text = "more" });
        Assert.Equal("not_found", await ErrorCode(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Delete_answers_204_then_the_document_is_gone()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "short lived", "gone");
        using (var response = await client.DeleteAsync("v1/documents/gone"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        using (var again = await client.DeleteAsync("v1/documents/gone")) Assert.Equal("not_found", await ErrorCode(again, HttpStatusCode.NotFound));
        using (var get = await client.GetAsync("v1/documents/gone")) Assert.Equal("not_found", await ErrorCode(get, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Reconstruct_returns_the_decoded_text()
    {
        using var client = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(client, "the quick brown fox", "fox");
        using var response = await client.PostAsync("v1/documents/fox/reconstruct", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("fox", body.GetProperty("id").GetString());
        Assert.Equal("the quick brown fox", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Reconstruct_of_a_document_still_encoding_answers_409_not_ready()
    {
        using var client = await fixture.NewTenantClientAsync();
        using (var ingest = await client.PostAsJsonAsync("v1/documents", new { id = "big", text = Words(512 * 20) }))
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        using var response = await client.PostAsync("v1/documents/big/reconstruct", null);
        Assert.Equal("not_ready", await ErrorCode(response, HttpStatusCode.Conflict));
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
