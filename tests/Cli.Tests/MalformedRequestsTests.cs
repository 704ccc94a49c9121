using MemoryPlatform.Cli.Chaos;

namespace MemoryPlatform.Cli.Tests;

/// <summary>The malformed-request generator of `memplat chaos`: every category, reproducible, and sendable.</summary>
public sealed class MalformedRequestsTests
{
    private readonly MalformedRequests generator = new("mp_tenantkey", "mpadmin_key", maxBodyBytes: 1024);

    [Fact]
    public void Every_category_appears_and_a_seed_gives_the_same_requests_again()
    {
        var first = generator.Generate(1_000, seed: 7).ToList();
        var again = generator.Generate(1_000, seed: 7).ToList();
        var other = generator.Generate(1_000, seed: 8).ToList();

        Assert.Equal(1_000, first.Count);
        Assert.Equal(MalformedRequests.Categories.Order(), first.Select(r => r.Category).Distinct().Order());
        Assert.Equal(first.Select(Describe), again.Select(Describe));
        Assert.NotEqual(first.Select(Describe), other.Select(Describe));
        Assert.All(first.Where(r => r.Category == "oversized"), r => Assert.True(r.Body!.Length > 1024));
    }

    [Fact]
    public async Task Each_request_converts_to_an_http_request_with_its_raw_body_and_headers()
    {
        foreach (var request in generator.Generate(500, seed: 3))
        {
            using var http = request.ToHttp();
            Assert.Equal(request.Method, http.Method.Method);
            if (request.Body is null) Assert.Null(http.Content);
            else Assert.Equal(request.Body, await http.Content!.ReadAsByteArrayAsync());
            if (request.ContentType is not null) Assert.Equal(request.ContentType, string.Join(",", http.Content!.Headers.GetValues("Content-Type")));
            if (request.Authorization is not null) Assert.Equal(request.Authorization, string.Join(",", http.Headers.GetValues("Authorization")));
        }
    }

    private static string Describe(MalformedRequest r) =>
        $"{r.Category} {r.Method} {r.Path} {r.ContentType} {r.Authorization} {Convert.ToHexString(r.Body ?? [])}";
}
