using System.Net;
using System.Text;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>Strict JSON at the edge: anything but a well-typed object of known fields is a 400 with the error shape, never a 500.</summary>
[Collection(GatewayCollection.Name)]
public class MalformedRequestTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("v1/documents", "{", "invalid_json")]
    [InlineData("v1/documents", "", "invalid_json")]
    [InlineData("v1/documents", "null", "invalid_json")]
    [InlineData("v1/documents", "[]", "invalid_json")]
    [InlineData("v1/documents", "\"text\"", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": 5}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": null}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": [\"a\"]}", "invalid_json")]
    [InlineData("v1/documents", "{\"txt\": \"typo\"}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"a\", \"extra\": 1}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"a\", \"text\": \"b\"}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"a\",}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"a\" /* c */}", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"a\"} trailing", "invalid_json")]
    [InlineData("v1/documents", "{\"text\": \"\\ud800\"}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": \"d\", \"prompt\": \"p\"}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [1], \"prompt\": \"p\"}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"max_tokens\": \"5\"}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"max_tokens\": 1.5}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"max_tokens\": 99999999999999999999999}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"max_tokens\": 1e999}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"temperature\": 1e999}", "invalid_request")] // parses as infinity
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"seed\": -1}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"], \"prompt\": \"p\", \"stream\": \"yes\"}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [\"d\"]}", "invalid_json")]
    [InlineData("v1/query", "{\"documents\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"d\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], \"prompt\": \"p\"}", "invalid_json")]
    [InlineData("v1/documents/x/append", "{\"text\": 1}", "invalid_json")]
    public async Task Malformed_json_answers_400_with_the_error_shape(string path, string body, string code)
    {
        using var client = await fixture.NewTenantClientAsync();
        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(code, await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("v1/documents", "application/json")]
    [InlineData("v1/documents", "text/plain")]
    [InlineData("v1/query", "application/json")]
    public async Task Invalid_utf8_answers_400(string path, string contentType)
    {
        using var client = await fixture.NewTenantClientAsync();
        byte[] body = [.. "{\"text\": \"ab"u8, 0xC3, 0x28, .. "\"}"u8];
        var content = new ByteArrayContent(body) { Headers = { ContentType = new(contentType) } };
        using var response = await client.PostAsync(path, content);
        Assert.Equal("invalid_utf8", await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Invalid_utf8_in_an_uploaded_file_answers_400()
    {
        using var client = await fixture.NewTenantClientAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent([0x61, 0xFF, 0xFE, 0x62]), "file", "bad.txt");
        using var response = await client.PostAsync("v1/documents", form);
        Assert.Equal("invalid_utf8", await ErrorCode(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_truncated_multipart_body_answers_400()
    {
        using var client = await fixture.NewTenantClientAsync();
        var content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc", Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        using var response = await client.PostAsync("v1/documents", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await ErrorCode(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("v1/query")]
    [InlineData("v1/documents/x/append")]
    [InlineData("v1/tenants")]
    public async Task A_json_route_refuses_a_form_body_with_415(string path)
    {
        using var client = await fixture.NewTenantClientAsync();
        client.DefaultRequestHeaders.Authorization = new("Bearer", path == "v1/tenants" ? AdminKey : client.DefaultRequestHeaders.Authorization!.Parameter);
        using var response = await client.PostAsync(path, new FormUrlEncodedContent([new("name", "x")]));
        Assert.Equal("unsupported_media_type", await ErrorCode(response, HttpStatusCode.UnsupportedMediaType));
    }

    [Fact]
    public async Task A_json_body_without_a_content_type_is_read_as_json()
    {
        using var client = await fixture.NewTenantClientAsync();
        var content = new ByteArrayContent("{\"text\": \"no content type\"}"u8.ToArray());
        using var response = await client.PostAsync("v1/documents", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
