using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class TenantIsolationTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Tenant_B_can_neither_read_list_query_append_reconstruct_nor_delete_tenant_As_documents()
    {
        using var a = await fixture.NewTenantClientAsync();
        using var b = await fixture.NewTenantClientAsync();
        await IngestReadyAsync(a, "secret of tenant a", "shared-name");

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

        // Tenant A's document is untouched, and B may use the same id for its own document.
        var still = await WaitStatusAsync(a, "shared-name", "ready");
        Assert.Equal(4, still.GetProperty("tokens").GetInt32());
        using (var r = await a.PostAsync("v1/documents/shared-name/reconstruct", null))
            Assert.Equal("secret of tenant a", (await ReadJson(r)).GetProperty("text").GetString());
        await IngestReadyAsync(b, "tenant b's own text", "shared-name");
        using (var r = await a.PostAsync("v1/documents/shared-name/reconstruct", null))
            Assert.Equal("secret of tenant a", (await ReadJson(r)).GetProperty("text").GetString());
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
