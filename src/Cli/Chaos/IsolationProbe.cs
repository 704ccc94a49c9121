
namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Another tenant, holding a valid key of its own, tries every route on the owner's document ids: status, append,
/// reconstruct, delete, query (JSON and streamed) must all answer 404 not_found, as for an id that does not exist,
/// and its listing must not show them. Keys of the wrong kind are refused (403). Whether the owner's documents came
/// through untouched is checked by the final verification, which compares their memory with a clean encode.
/// </summary>
public static class IsolationProbe
{
    public const string Phase = "isolation";

    /// <returns>The number of checks made.</returns>
    public static async Task<int> RunAsync(ChaosClient client, ChaosTenant intruder, ChaosTenant owner, string adminKey,
        IReadOnlyCollection<string> ownerIds, ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var checks = 0;
        foreach (var id in ownerIds.Take(5))
        {
            var attempts = new (string Route, HttpMethod Method, string Path, object? Body)[]
            {
                ("status", HttpMethod.Get, $"v1/documents/{id}", null),
                ("append", HttpMethod.Post, $"v1/documents/{id}/append", new { text = "vandalism" }),
                ("reconstruct", HttpMethod.Post, $"v1/documents/{id}/reconstruct", null),
                ("delete", HttpMethod.Delete, $"v1/documents/{id}", null),
                ("query", HttpMethod.Post, "v1/query", new { documents = new[] { id }, prompt = "What does it say?" }),
                ("streamed query", HttpMethod.Post, "v1/query", new { documents = new[] { id }, prompt = "What does it say?", stream = true }),
            };
            foreach (var (route, method, path, body) in attempts)
            {
                checks++;
                var response = await client.JsonAsync(Phase, method, path, intruder.Key, body, ct);
                if (response.Status != 404 || response.ErrorCode != "not_found")
                    report.Fail($"another tenant's {route} of {id} answered {response.Status} {response.ErrorCode}, not 404 not_found");
            }
        }

        checks++;
        var list = await client.JsonAsync(Phase, HttpMethod.Get, "v1/documents", intruder.Key, null, ct);
        var listed = list.Status == 200
            ? list.Json().GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToHashSet()
            : null;
        if (listed is null) report.Fail($"the other tenant's listing answered {list.Status}");
        else if (listed.Overlaps(ownerIds)) report.Fail("the other tenant's listing shows the owner's documents");

        checks += 2;
        var adminOnTenantRoute = await client.JsonAsync(Phase, HttpMethod.Get, "v1/documents", adminKey, null, ct);
        if (adminOnTenantRoute.Status != 403) report.Fail($"the admin key on a tenant route answered {adminOnTenantRoute.Status}, not 403");
        var tenantOnAdminRoute = await client.JsonAsync(Phase, HttpMethod.Post, "v1/tenants", owner.Key, new { name = "usurper" }, ct);
        if (tenantOnAdminRoute.Status != 403) report.Fail($"a tenant key on the admin route answered {tenantOnAdminRoute.Status}, not 403");

        log($"isolation: {checks} checks of another tenant's reach (every route on {Math.Min(5, ownerIds.Count)} of the owner's ids, listing, key kinds)");
        return checks;
    }
}
