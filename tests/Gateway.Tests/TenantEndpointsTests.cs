using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public class TenantEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Create_tenant_with_admin_key_answers_201_with_id_and_a_working_key()
    {
        using var admin = fixture.Gateway.Client(AdminKey);
        using var response = await admin.PostAsJsonAsync("v1/tenants", new { name = "Acme" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJson(response);
        var tenantId = body.GetProperty("tenant_id").GetString()!;
        var apiKey = body.GetProperty("api_key").GetString()!;
        Assert.StartsWith("t_", tenantId);
        Assert.StartsWith("mp_", apiKey);
        Assert.Equal("Acme", body.GetProperty("name").GetString());

        using var tenant = fixture.Gateway.Client(apiKey);
        using var me = await tenant.GetAsync("v1/tenant");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var info = await ReadJson(me);
        Assert.Equal(tenantId, info.GetProperty("tenant_id").GetString());
        Assert.Equal(0, info.GetProperty("documents").GetInt32());
    }

    [Fact]
    public async Task The_tenant_shows_its_documents_and_reserved_memory_until_they_are_deleted()
    {
        using var tenant = await fixture.NewTenantClientAsync();
        var ready = await IngestReadyStatusAsync(tenant, GatewayFixture.Sentences(6), "counted");
        var info = await tenant.GetFromJsonAsync<JsonElement>("v1/tenant");
        Assert.Equal(1, info.GetProperty("documents").GetInt32());
        Assert.Equal(ready.GetProperty("memory_bytes").GetInt64(), info.GetProperty("memory_bytes").GetInt64());
        Assert.Equal(ready.GetProperty("spans").GetInt32() * fixture.BlobBytes, info.GetProperty("memory_bytes").GetInt64());
        Assert.True(info.GetProperty("max_documents").GetInt32() >= 1);
        Assert.True(info.GetProperty("max_memory_bytes").GetInt64() >= info.GetProperty("memory_bytes").GetInt64());

        using (var deleted = await tenant.DeleteAsync("v1/documents/counted")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        info = await tenant.GetFromJsonAsync<JsonElement>("v1/tenant");
        Assert.Equal(0, info.GetProperty("documents").GetInt32());
        Assert.Equal(0, info.GetProperty("memory_bytes").GetInt64());
    }

    [Fact]
    public async Task Two_tenants_get_different_ids_and_keys()
    {
        var a = await fixture.CreateTenantAsync("a");
        var b = await fixture.CreateTenantAsync("b");
        Assert.NotEqual(a.TenantId, b.TenantId);
        Assert.NotEqual(a.ApiKey, b.ApiKey);
    }

    [Fact]
    public async Task Create_tenant_with_a_tenant_key_answers_403()
    {
        var (_, key) = await fixture.CreateTenantAsync();
        using var client = fixture.Gateway.Client(key);
        using var response = await client.PostAsJsonAsync("v1/tenants", new { name = "sneaky" });
        Assert.Equal("forbidden", await ErrorCode(response, HttpStatusCode.Forbidden));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-admin-key")]
    [InlineData("test-admin-key-012345678")] // a prefix of the real key
    public async Task Create_tenant_without_the_admin_key_answers_401(string? key)
    {
        using var client = fixture.Gateway.Client(key);
        using var response = await client.PostAsJsonAsync("v1/tenants", new { name = "x" });
        Assert.Equal("unauthorized", await ErrorCode(response, HttpStatusCode.Unauthorized));
    }

    [Theory]
    [InlineData("{\"name\": \"\"}")]
    [InlineData("{\"name\": \"   \"}")]
    [InlineData("{\"name\": \"a\\u0000b\"}")]
    [InlineData("{}")]
    public async Task Create_tenant_rejects_a_bad_name_with_400(string json)
    {
        using var admin = fixture.Gateway.Client(AdminKey);
        using var response = await admin.PostAsync("v1/tenants", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var code = await ErrorCode(response, HttpStatusCode.BadRequest);
        Assert.Contains(code, new[] { "invalid_request", "invalid_json" });
    }
}
