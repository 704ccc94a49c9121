using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>Isolation on the real grains and Redis keys: a document is addressed through the caller's tenant only.</summary>
[Collection(GatewayCollection.Name)]
public class TenantIsolationTests(GatewayFixture fixture)
{
    private static async Task<int> MemorySlotsOfQueryAsync(HttpClient client, string id)
    {
        using var response = await client.PostAsJsonAsync("v1/query", new { documents = new[] { id }, prompt = "Who lit the light?", max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJson(response)).GetProperty("usage").GetProperty("memory_slots").GetInt32();
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"v1/documents/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJson(response);
    }

    [Fact]
    public async Task Tenant_B_can_neither_read_list_query_append_reconstruct_nor_delete_tenant_As_documents()
    {
        using var a = await fixture.NewTenantClientAsync();
        using var b = await fixture.NewTenantClientAsync();
        var before = await IngestReadyStatusAsync(a, Sentences(9), "shared-name");
        Assert.True(before.GetProperty("spans").GetInt32() > 1);

        using (var r = await b.GetAsync("v1/documents/shared-name")) Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.PostAsJsonAsync("v1/query", new { documents = new[] { "shared-name" }, prompt = "leak?" }))
            Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.PostAsJsonAsync("v1/query", new { documents = new[] { "shared-name" }, prompt = "leak?", stream = true }))
            Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.PostAsJsonAsync("v1/documents/shared-name/append", new { text = "vandal" }))
            Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.PostAsync("v1/documents/shared-name/reconstruct", null))
            Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.DeleteAsync("v1/documents/shared-name")) Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
        using (var r = await b.GetAsync("v1/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Empty((await ReadJson(r)).GetProperty("documents").EnumerateArray());
        }
        Assert.Equal(0, (await b.GetFromJsonAsync<JsonElement>("v1/tenant")).GetProperty("documents").GetInt32());

        // Tenant A's document is untouched (same status, same update time); B may use the same id for its own,
        // shorter document, and each tenant's query then reads its own memory.
        Assert.Equal(before.ToString(), (await StatusAsync(a, "shared-name")).ToString());
        var own = await IngestReadyStatusAsync(b, "The light.", "shared-name");
        Assert.NotEqual(before.GetProperty("spans").GetInt32(), own.GetProperty("spans").GetInt32());
        Assert.Equal(before.ToString(), (await StatusAsync(a, "shared-name")).ToString());
        Assert.Equal(before.GetProperty("spans").GetInt32() * fixture.SlotsPerSpan, await MemorySlotsOfQueryAsync(a, "shared-name"));
        Assert.Equal(own.GetProperty("spans").GetInt32() * fixture.SlotsPerSpan, await MemorySlotsOfQueryAsync(b, "shared-name"));
        using (var r = await a.PostAsync("v1/documents/shared-name/reconstruct", null)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        // B deleting its own document leaves A's in place.
        using (var r = await b.DeleteAsync("v1/documents/shared-name")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(before.ToString(), (await StatusAsync(a, "shared-name")).ToString());
    }

    [Fact]
    public async Task A_query_mixing_own_and_foreign_documents_answers_404()
    {
        using var a = await fixture.NewTenantClientAsync();
        using var b = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(a, "a's text", "mine");
        await IngestReadyAsync(b, "b's text", "theirs");
        using var r = await a.PostAsJsonAsync("v1/query", new { documents = new[] { "mine", "theirs" }, prompt = "both?" });
        Assert.Equal("not_found", await ErrorCode(r, HttpStatusCode.NotFound));
    }
}
